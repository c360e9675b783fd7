"""PyTorch's fused LSTM / GRU kernels for `rnn_zoo.layers.LSTM` / `GRU`.

Imported only on the torch backend. `run` returns what Keras' `RNN.inner_loop`
returns, `(last_output, outputs, states)`, or `None` when this call must run
Keras' loop instead (a mask that is not right-padded, an empty row, a trace).

Weights: Keras' LSTM gates are `i, f, c, o`, PyTorch's `i, f, g, o` (the same
order), so `weight_ih = kernel.T`, `weight_hh = recurrent_kernel.T`,
`bias_ih = bias`, `bias_hh = 0`. Keras' GRU (`reset_after=True`) gates are
`z, r, h`, PyTorch's `r, z, n`, with the same equations
(`n = tanh(W_in x + b_in + r * (W_hn h + b_hn))`, `h' = z h + (1 - z) n`):
reorder, transpose, and `bias[0]`, `bias[1]` are `bias_ih`, `bias_hh`.
Keras' SimpleRNN is `h' = act(x W + b + h U)`: `bias_ih = bias`, `bias_hh = 0`.

Masks: for a right-padded batch, the rows' real steps come first, so running
the kernel over the whole padded batch gives every real step's output exactly
(padding steps come after them and are discarded); the last real output is
gathered at `length - 1`. A backward layer reverses each row within its
length first. Outputs at padded steps are then set as Keras' masked loop sets
them (the last output, or zeros with `zero_output_for_mask`). An LSTM's cell
state at each row's length, which the kernel does not return, is recomputed
from the outputs (`_lstm_cell_state_at`). Packed sequences would give it
directly, but PyTorch runs them with its generic loop (4x slower than the
fused kernel here, slower than Keras' loop).
"""

import torch
from keras import ops


def _tensor(x, dtype=None):
    x = ops.convert_to_tensor(x)
    return x if dtype is None else x.to(dtype)


def _lstm_params(cell):  # SimpleRNN's too
    params = [_tensor(cell.kernel).T, _tensor(cell.recurrent_kernel).T]
    if cell.use_bias:
        bias = _tensor(cell.bias)
        params += [bias, torch.zeros_like(bias)]
    return params


def _gru_params(cell):
    def reorder(w):  # Keras z, r, h -> PyTorch r, z, n, along the last axis
        z, r, h = torch.chunk(w, 3, dim=-1)
        return torch.cat([r, z, h], dim=-1)

    params = [reorder(_tensor(cell.kernel)).T, reorder(_tensor(cell.recurrent_kernel)).T]
    if cell.use_bias:
        bias = reorder(_tensor(cell.bias))  # (2, 3 units): input, recurrent
        params += [bias[0], bias[1]]
    return params


def _right_padded_lengths(mask, steps):
    """Per-row lengths if `mask` is right-padded with no empty row, else None;
    "full" when no row is padded (the mask changes nothing)."""
    mask = mask.to(torch.bool)
    lengths = mask.sum(dim=1)
    positions = torch.arange(steps, device=mask.device)
    ok = torch.equal(positions[None, :] < lengths[:, None], mask) and bool(lengths.min() > 0)
    if not ok:
        return None
    return "full" if bool(lengths.min() == steps) else lengths


def run(layer, sequences, initial_state, mask, training):
    if torch.jit.is_tracing() or torch.compiler.is_compiling():
        return None  # the length checks below read tensor values
    from rnn_zoo.layers.fused_rnn import kernel_name

    kernel = kernel_name(layer)
    is_lstm = kernel == "torch.lstm"
    cell = layer.cell
    x = _tensor(sequences)
    kernel_dtype = _tensor(cell.kernel).dtype
    x = x.to(kernel_dtype)
    batch, steps = x.shape[0], x.shape[1]
    if isinstance(mask, (list, tuple)):
        mask = mask[0]
    if not isinstance(initial_state, (list, tuple)):
        initial_state = [initial_state]
    states0 = [_tensor(s, kernel_dtype)[None] for s in initial_state[: 2 if is_lstm else 1]]

    lengths = None
    if mask is not None:
        lengths = _right_padded_lengths(_tensor(mask), steps)
        if lengths is None:
            return None
        if isinstance(lengths, str):
            lengths = None  # every row is full length

    if training and cell.dropout:
        # The mask Keras' layer would use (set up by `RNN.call`), one per row.
        x = x * _tensor(cell.get_dropout_mask(x[:, 0, :]))[:, None, :]
    positions = torch.arange(steps, device=x.device)[None, :]
    if layer.go_backwards:
        if lengths is None:
            x = torch.flip(x, dims=[1])
        else:  # reverse each row within its length; padding stays at the end
            index = torch.where(positions < lengths[:, None], lengths[:, None] - 1 - positions, positions)
            x = torch.gather(x, 1, index[..., None].expand_as(x))

    train = torch.is_grad_enabled()
    if is_lstm:
        outputs, h, c = torch.lstm(
            x, tuple(states0), _lstm_params(cell), cell.use_bias, 1, 0.0, train, False, True
        )
        states = [h[0], c[0]]
    else:
        params = _gru_params(cell) if kernel == "torch.gru" else _lstm_params(cell)
        op = {"torch.gru": torch.gru, "torch.rnn_tanh": torch.rnn_tanh,
              "torch.rnn_relu": torch.rnn_relu}[kernel]
        outputs, h = op(x, states0[0], params, cell.use_bias, 1, 0.0, train, False, True)
        states = [h[0]]
    if lengths is None:
        return outputs[:, -1], outputs, states

    rows = torch.arange(batch, device=x.device)
    raw = outputs
    last = outputs[rows, lengths - 1]
    real = (positions < lengths[:, None])[..., None]
    if layer.go_backwards:
        # Keras' order: the padding (now first) gives zeros, then the row's
        # steps from its last to its first.
        shift = positions - (steps - lengths)[:, None]
        gathered = torch.gather(outputs, 1, shift.clamp(min=0)[..., None].expand_as(outputs))
        outputs = torch.where((shift >= 0)[..., None], gathered, torch.zeros_like(gathered))
    elif layer.zero_output_for_mask:
        outputs = torch.where(real, outputs, torch.zeros_like(outputs))
    else:
        outputs = torch.where(real, outputs, last[:, None, :])
    if is_lstm:
        if layer.return_state or layer.stateful:
            states[1] = _lstm_cell_state_at(cell, x, states0, raw, lengths)
        # else the padded run's cell state, which `RNN.call` drops unread
    return last, outputs, [last] + states[1:]


def _lstm_cell_state_at(cell, x, states0, outputs, lengths):
    """The LSTM cell state after each row's last real step.

    The kernel returns the cell state after the last step of the padded
    batch only. Every step's gates follow from the kernel's outputs (the
    previous step's `h`): one matmul over all steps, then the elementwise
    recurrence `c = f c + i g` up to the longest row, read at each row's
    length. The same function of the inputs and weights, so gradients are
    exact too."""
    h_prev = torch.cat([states0[0].transpose(0, 1), outputs[:, :-1]], dim=1)
    z = torch.matmul(x, _tensor(cell.kernel)) + torch.matmul(h_prev, _tensor(cell.recurrent_kernel))
    if cell.use_bias:
        z = z + _tensor(cell.bias)
    i, f, g, _ = torch.chunk(z, 4, dim=-1)
    i, f, g = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g)
    c, cells = states0[1][0], []
    for t in range(int(lengths.max())):
        c = f[:, t] * c + i[:, t] * g[:, t]
        cells.append(c)
    cells = torch.stack(cells, dim=1)
    return cells[torch.arange(x.shape[0], device=x.device), lengths - 1]
