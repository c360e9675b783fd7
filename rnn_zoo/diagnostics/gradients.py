"""How much the loss still hears each time step: gradient flow through the
recurrent layers of a model.

The gradient of the loss with respect to a layer's *output* at step t only
counts the paths that leave the layer at step t. The lecture's quantity is the
total derivative `d loss / d h_t`, which also counts every path through the
later steps of the recurrence (`h_t -> h_(t+1) -> ... -> loss`). We get it
exactly with the zero-perturbation trick: run each recurrent layer with
`s_t + delta_t` in place of every state `s_t` of its cell at every step
(`h_t` for SimpleRNN and GRU, `h_t` and the cell state `c_t` for LSTM), with
`delta = 0`, and differentiate the loss with respect to `delta`. The
perturbation rides along with the inputs (concatenated to them), so the
layer's own loop delivers `delta_t` at step t, in either direction and with
masks, and the model keeps its trained weights and its graph.

An LSTM's memory is its cell state: `c_t = f_t * c_(t-1) + i_t * g_t` carries
the gradient back through the forget gates alone (the lecture's "gradient
highway"), while `h_t` reaches the future only through the gates. A trained
LSTM that closes its input gates on irrelevant steps makes `d loss / d h_t`
small even where `d loss / d c_t` stays large, so the lecture's hidden state
of an LSTM is the pair `(h_t, c_t)`: `state_norms` measures that.
"""

import contextlib
import dataclasses
import functools

import keras
import numpy as np

from rnn_zoo._keras_compat import backend_rnn
from rnn_zoo._validation import check_bool, check_choice, suggest
from rnn_zoo.fast_path import _recurrent_layers

BACKENDS = ("jax", "tensorflow")
# What `LayerGradients.norms` (and the plots) can show: the gradient with
# respect to the first state h_t, the whole state (h_t, c_t) of the cell, or
# the states after the first (an LSTM's c_t).
QUANTITIES = ("cell_state", "hidden", "state")


@dataclasses.dataclass(frozen=True)
class LayerGradients:
    """Gradients through one recurrent layer (one direction of a
    `Bidirectional` layer) for one batch.

    Attributes:
        layer: str. The layer's name; `"<name>/forward"` and
            `"<name>/backward"` for the two directions of a `Bidirectional`
            layer. A layer the model runs more than once (for example on a
            conditioning step, then on the tokens) gets `" (call 2)"`, ... on
            its later runs.
        cell: str. Class name of the recurrent layer (`"LSTM"`, ...).
        go_backwards: bool. Whether the layer reads the sequence from its end;
            then its first step is the last position.
        state_gradients: float array `(batch, time, units)`. The total
            derivative `d loss / d h_t` for every sequence, indexed by input
            position (0 at padded steps, which the layer skips).
        mask: bool array `(batch, time)`. The real (unpadded) steps.
        hidden_state_norms: float array `(time,)`. `||d loss / d h_t||_2`
            averaged over the sequences for which step t is real; NaN where
            none is.
        kernel_norm: float. Frobenius norm of the gradient of the input
            kernel (NaN if the layer is not trainable).
        recurrent_kernel_norm: float. Same for the recurrent kernel.
        state_sizes: tuple of int. Width of each state of the cell, in the
            cell's order: `(units,)` for SimpleRNN and GRU, `(units, units)`
            for LSTM (`h`, then `c`).
        full_state_gradients: float array `(batch, time, sum(state_sizes))`.
            The total derivative with respect to every state of the cell at
            step t, concatenated in the cell's order (for an LSTM
            `[d loss / d h_t, d loss / d c_t]`); for a single-state cell the
            same as `state_gradients`. Each state's derivative holds the
            other states fixed: `d loss / d c_t` counts the paths through
            `c_(t+1)` (the forget gate), not the one through `h_t`.
        state_norms: float array `(time,)`. `||d loss / d (h_t, c_t)||_2`
            (the norm over the whole state), averaged like
            `hidden_state_norms`; equal to it for SimpleRNN and GRU.
        cell_state_norms: float array `(time,)`, or None for a cell with a
            single state. `||d loss / d c_t||_2` (the states after the
            first), averaged like `hidden_state_norms`. With a last-step
            readout it is 0 at the last step: only `h` is read there.
    """

    layer: str
    cell: str
    go_backwards: bool
    state_gradients: np.ndarray
    mask: np.ndarray
    hidden_state_norms: np.ndarray
    kernel_norm: float
    recurrent_kernel_norm: float
    state_sizes: tuple
    full_state_gradients: np.ndarray
    state_norms: np.ndarray
    cell_state_norms: object

    @property
    def cell_state_gradients(self):
        """`d loss / d c_t`, `(batch, time, units)`: the part of
        `full_state_gradients` after `h` (None for a single-state cell)."""
        if len(self.state_sizes) < 2:
            return None
        return self.full_state_gradients[..., self.state_sizes[0]:]

    def norms(self, quantity="hidden"):
        """The per-step gradient norms, `(time,)`, of one quantity.

        Args:
            quantity: str. `"hidden"`: `||d loss / d h_t||`
                (`hidden_state_norms`); `"state"`: the whole state of the
                cell, `||d loss / d (h_t, c_t)||` for an LSTM
                (`state_norms`); `"cell_state"`: `||d loss / d c_t||`
                (`cell_state_norms`, LSTM only). Defaults to `"hidden"`.

        Raises:
            ValueError: for an unknown `quantity`, or `"cell_state"` on a
                cell with a single state.
        """
        quantity = check_choice("quantity", quantity, QUANTITIES)
        if quantity == "hidden":
            return self.hidden_state_norms
        if quantity == "state":
            return self.state_norms
        if self.cell_state_norms is None:
            raise ValueError(
                f"Layer {self.layer!r} ({self.cell}) has a single state, so it "
                "has no cell state: quantity='cell_state' needs a cell with "
                "more states than h, such as LSTM (h, c). Use quantity='state' "
                "or 'hidden' for every cell. Received: quantity='cell_state'"
            )
        return self.cell_state_norms

    def first_to_last(self, quantity="hidden"):
        """`first_to_last_ratio` of any `quantity` (see `norms`).

        For `"cell_state"` with a last-step readout the last step's norm is
        0 (the loss reads only h there), which gives `inf`: use `"state"`.
        """
        norms = self.norms(quantity)
        steps = self.steps
        first, last = norms[steps[0]], norms[steps[-1]]
        return float(first / last) if last > 0 else float("inf")

    @property
    def steps(self):
        """Real positions in the order the layer processes them."""
        real = np.flatnonzero(np.isfinite(self.hidden_state_norms))
        return real[::-1] if self.go_backwards else real

    @property
    def first_to_last_ratio(self):
        """Norm at the first processed step over the norm at the last one.

        Far below 1: the gradient vanishes on its way back through the
        sequence (the loss barely hears the start). Far above 1: it grows
        (exploding gradients). For a loss read at the end of a many-to-one
        model this is the factor the recurrence applies over the sequence.
        """
        return self.first_to_last("hidden")


@dataclasses.dataclass(frozen=True)
class GradientFlow:
    """The result of `gradient_flow(model, x, y)`.

    Attributes:
        loss: float. The model's compiled loss on the batch (inference mode).
        global_norm: float. Norm of the gradient over all trainable weights:
            the number `global_clipnorm` clips.
        layers: tuple of `LayerGradients`, in the model's layer order.
    """

    loss: float
    global_norm: float
    layers: tuple

    @property
    def names(self):
        """Names of the recurrent layers (directions), in model order."""
        return [g.layer for g in self.layers]

    def __getitem__(self, name):
        for g in self.layers:
            if g.layer == name:
                return g
        raise KeyError(
            f"No recurrent layer named {name!r} in this gradient flow."
            f"{suggest(name, self.names)} Available: {self.names}. "
            f"Received: name={name!r}"
        )

    def __str__(self):
        lines = [
            f"loss {self.loss:.4g}, global gradient norm {self.global_norm:.4g}",
            "| layer | cell | steps | first step | last step | first/last "
            "| first/last, full state | kernel | recurrent kernel |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for g in self.layers:
            steps = g.steps
            first = g.hidden_state_norms[steps[0]]
            last = g.hidden_state_norms[steps[-1]]
            lines.append(
                f"| {g.layer} | {g.cell} | {len(steps)} | {first:.3g} | "
                f"{last:.3g} | {g.first_to_last_ratio:.3g} | "
                f"{g.first_to_last('state'):.3g} | {g.kernel_norm:.3g} "
                f"| {g.recurrent_kernel_norm:.3g} |"
            )
        return "\n".join(lines)


def gradient_flow(model, x, y, *, sample_weight=None, run_eagerly=None):
    """Measures how the loss gradient flows back through the recurrent layers.

    For every recurrent layer of `model` (each direction of a `Bidirectional`
    one) and every time step t, the norm of `d loss / d h_t`, the *total*
    derivative through the recurrence: how much the loss still hears step t;
    and the norm of the derivative with respect to the cell's whole state
    (for an LSTM the pair `(h_t, c_t)`, whose `c_t` is where the gradient
    highway runs; for SimpleRNN and GRU just `h_t`).
    Also the gradient norms of each layer's input and recurrent kernels and
    of all weights together. Computed in inference mode (dropout off) with
    the model's compiled loss, by the backend's own autodiff
    (`tf.GradientTape` on TensorFlow, `jax.value_and_grad` on JAX).

    A SimpleRNN multiplies the gradient by `diag(tanh') @ U^T` at every step,
    so over a long sequence it vanishes (or explodes) geometrically; the
    additive cell state of an LSTM (`d c_t / d c_(t-1) = diag(f_t)` along
    the cell state) and the update gate of a GRU let it through when the
    gates learn to (Hochreiter and Schmidhuber 1997; Pascanu et al. 2013,
    "On the difficulty of training recurrent neural networks"; CS224n
    lecture 6).

    Args:
        model: a built, compiled `keras.Model` with at least one recurrent
            layer (`SimpleRNN`, `LSTM`, `GRU`, any `keras.layers.RNN` whose
            cell outputs its first state, or a `Bidirectional` of one),
            for example from `rnn_zoo.build`.
        x: the model's inputs for one batch (an array, or a list with one
            array per model input).
        y: the targets, as for `model.fit`.
        sample_weight: optional sample weights, as for `model.fit`.
        run_eagerly: bool or None. `False` compiles the gradient computation
            (`tf.function`, `jax.jit`): seconds to compile, then fast, which
            pays off for long sequences. `True` runs op by op. `None` (the
            default) compiles on JAX, and on TensorFlow when the batch has
            more than 32 steps.

    Returns:
        A `GradientFlow`; `print` it for a table, index it by layer name for a
        `LayerGradients`, or pass it to `plot_gradient_flow`.

    Raises:
        TypeError: if `model` is not a `keras.Model`.
        ValueError: if the model has no recurrent layer or is not compiled,
            the batch does not fit the model's inputs, or a cell's output is
            not its first state or its states are not vectors.
        NotImplementedError: on a backend other than TensorFlow and JAX.

    Example:

    >>> import rnn_zoo
    >>> model = rnn_zoo.build("text_classifier", vocabulary_size=10,
    ...                       num_classes=3, embedding_dim=4, units=4,
    ...                       cell="lstm")
    >>> x = np.array([[3, 4, 5, 6, 7, 8], [2, 2, 9, 0, 0, 0]])
    >>> flow = gradient_flow(model, x, np.array([0, 2]))
    >>> flow.names
    ['encoder_lstm_0']
    >>> lstm = flow["encoder_lstm_0"]
    >>> lstm.hidden_state_norms.shape, lstm.state_norms.shape, lstm.state_sizes
    ((6,), (6,), (4, 4))
    >>> lstm.cell_state_gradients.shape  # d loss / d c_t: (batch, time, units)
    (2, 6, 4)
    """
    return _FlowRunner(model, run_eagerly=run_eagerly)(x, y, sample_weight)


def _mean_norm(gradients, mask):
    """`||gradients||_2` over the last axis, averaged over the sequences for
    which each step is real: `(batch, time, n)` -> `(time,)`, NaN where no
    sequence is."""
    norms = np.linalg.norm(gradients, axis=-1)  # (batch, time)
    counts = mask.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, (norms * mask).sum(axis=0) / counts, np.nan)


class _FlowRunner:
    """Computes `GradientFlow`s of one model, batch after batch.

    The gradient function is compiled (`tf.function`, `jax.jit`) once per
    batch shape and reused: run eagerly, the backends dispatch every op of
    every step on its own, which takes seconds even for a tiny model.
    """

    def __init__(self, model, *, run_eagerly=None):
        if run_eagerly is not None:
            check_bool("run_eagerly", run_eagerly)
        self.run_eagerly = run_eagerly
        self.layers = _check_model(model)
        self.model = model
        self.backend = keras.backend.backend()
        if self.backend not in BACKENDS:
            raise NotImplementedError(
                "`gradient_flow` computes gradients with the backend's autodiff "
                f"and supports the {sorted(BACKENDS)} backends. Set "
                f"KERAS_BACKEND to one of them. Received: backend={self.backend!r}"
            )
        self.probe = _Probe(self.layers)
        self._compiled = None  # the backend's compiled gradient function

    def __call__(self, x, y, sample_weight=None):
        model = self.model
        x, y = _check_batch(model, x, y)
        # A stateful layer would carry this batch's final states into the
        # next call: the diagnostics leave the model as they found it.
        kept = list(model.non_trainable_variables)
        for _, layer in self.layers:
            if getattr(layer, "stateful", False) and layer.states is not None:
                kept += [v for v in layer.states if all(v is not k for k in kept)]
        saved = [keras.ops.convert_to_numpy(v) for v in kept]
        backend_gradients = self._tensorflow if self.backend == "tensorflow" else self._jax
        try:
            loss, weight_grads, delta_grads, masks, calls = backend_gradients(
                x, y, sample_weight
            )
        finally:
            for variable, value in zip(kept, saved):
                variable.assign(value)

        grads = {}
        for variable, grad in zip(model.trainable_variables, weight_grads):
            grad = 0.0 if grad is None else keras.ops.convert_to_numpy(grad)
            grads[id(variable)] = float(np.sqrt(np.sum(np.square(grad, dtype="float64"))))
        global_norm = float(np.sqrt(sum(g * g for g in grads.values())))

        def kernel_norm(layer, attr):
            variable = getattr(layer.cell, attr, None)
            return grads.get(id(variable), float("nan"))

        results = []
        for call, grad, mask in zip(calls, delta_grads, masks):
            grad = (
                np.zeros(call.shape) if grad is None
                else keras.ops.convert_to_numpy(grad).astype("float64")
            )
            if mask is None:
                mask = np.ones(grad.shape[:2], bool)
            mask = keras.ops.convert_to_numpy(mask).astype(bool)
            hidden = call.state_sizes[0]
            results.append(
                LayerGradients(
                    layer=call.name,
                    cell=type(call.layer).__name__,
                    go_backwards=bool(call.layer.go_backwards),
                    state_gradients=grad[..., :hidden],  # (batch, time, units)
                    mask=mask,
                    hidden_state_norms=_mean_norm(grad[..., :hidden], mask),
                    kernel_norm=kernel_norm(call.layer, "kernel"),
                    recurrent_kernel_norm=kernel_norm(call.layer, "recurrent_kernel"),
                    state_sizes=call.state_sizes,
                    full_state_gradients=grad,  # (batch, time, sum(state_sizes))
                    state_norms=_mean_norm(grad, mask),
                    cell_state_norms=(
                        _mean_norm(grad[..., hidden:], mask)
                        if len(call.state_sizes) > 1 else None
                    ),
                )
            )
        # Model layer order (the order runs happen in may differ); the runs
        # of a shared layer stay together, in call order.
        order = {layer_name: i for i, (layer_name, _) in enumerate(self.layers)}
        ranks = [order[call.name.split(" (call ")[0]] for call in calls]
        results = [r for _, r in sorted(zip(ranks, results), key=lambda pair: pair[0])]
        return GradientFlow(
            loss=float(keras.ops.convert_to_numpy(loss)),
            global_norm=global_norm,
            layers=tuple(results),
        )

    # The backend-specific part: the loss of the perturbed model,
    # differentiated by the backend's own autodiff. Each returns
    # `(loss, weight gradients, perturbation gradients, masks, calls)`.

    def _tensorflow(self, x, y, sample_weight):
        import tensorflow as tf

        model, probe = self.model, self.probe

        def gradients(x, y, sample_weight):
            with tf.GradientTape() as tape:

                def zeros(shape, dtype):
                    delta = tf.zeros(shape, dtype)
                    tape.watch(delta)
                    return delta

                with probe.attached(zeros):
                    y_pred = model(x, training=False)
                loss = model.compute_loss(
                    x=x, y=y, y_pred=y_pred, sample_weight=sample_weight,
                    training=False,
                )
            deltas = [c.delta for c in probe.calls]
            weight_grads, delta_grads = tape.gradient(
                loss, (model.trainable_variables, deltas)
            )
            return loss, weight_grads, delta_grads, [c.mask for c in probe.calls]

        eager = self.run_eagerly
        if eager is None:
            steps = [_shape(a)[1] for a in _as_list(x) if len(_shape(a)) > 1]
            eager = max(steps, default=0) <= 32
        if eager:
            compiled = gradients
        else:
            if self._compiled is None:
                self._compiled = tf.function(gradients)
            compiled = self._compiled
        loss, weight_grads, delta_grads, masks = compiled(x, y, sample_weight)
        # The calls seen when tracing: the same layers for every batch shape.
        return loss, weight_grads, delta_grads, masks, probe.calls

    def _jax(self, x, y, sample_weight):
        import jax

        model, probe = self.model, self.probe
        trainable = [v.value for v in model.trainable_variables]
        non_trainable = [v.value for v in model.non_trainable_variables]
        metrics = [v.value for v in model.metrics_variables]

        def record(x):
            with probe.attached(None):
                model.stateless_call(trainable, non_trainable, x, training=False)
            return 0

        # Traces without running, to learn each run's state shape.
        jax.eval_shape(record, x)
        calls = probe.calls

        def loss_fn(trainable, deltas, x, y, sample_weight):
            with probe.attached(deltas):
                y_pred, _ = model.stateless_call(
                    trainable, non_trainable, x, training=False
                )
            masks = [c.mask for c in probe.calls]
            loss, _ = model.stateless_compute_loss(
                trainable, non_trainable, metrics, x=x, y=y, y_pred=y_pred,
                sample_weight=sample_weight, training=False,
            )
            return loss, masks

        gradients = jax.value_and_grad(loss_fn, argnums=(0, 1), has_aux=True)
        if self.run_eagerly:
            compiled = gradients
        else:
            if self._compiled is None:
                self._compiled = jax.jit(gradients)
            compiled = self._compiled
        deltas = [jax.numpy.zeros(c.shape, c.dtype) for c in calls]
        (loss, masks), (weight_grads, delta_grads) = compiled(
            trainable, deltas, x, y, sample_weight
        )
        return loss, weight_grads, delta_grads, masks, calls


@dataclasses.dataclass
class _Call:
    """One run of a recurrent layer: its label, the layer, its mask (a
    tensor, or None when every step is real), the perturbation's shape
    `(batch, time, sum(state_sizes))`, the width of each state of the cell
    and the perturbation it ran with."""

    name: str
    layer: object
    mask: object
    shape: tuple
    dtype: str
    delta: object
    state_sizes: tuple


class _Probe:
    """Runs recurrent layers with `s_t + delta_t` for every state s at every
    step (`h`; `h` and `c` for an LSTM).

    While attached, each layer's `inner_loop` (the step loop `RNN.call`
    delegates to, where LSTM and GRU would otherwise pick the fused kernel)
    is replaced by a generic loop over the layer's own cell. `delta` holds
    one slice per state, concatenated in the cell's order, and is itself
    concatenated to the inputs, so the backend's loop hands `delta_t` to
    step t whatever the direction, and a masked step keeps its state as
    Keras does. Every run is recorded in `calls`. `deltas` is a list with
    one perturbation per run, or a callable `(shape, dtype) -> tensor` that
    makes them, or None for zeros.
    """

    def __init__(self, layers):
        self.layers = layers
        self.deltas = None
        self.calls = []

    @contextlib.contextmanager
    def attached(self, deltas):
        self.deltas, self.calls = deltas, []
        counts = {}
        for name, layer in self.layers:
            loop = functools.partial(self._inner_loop, name, layer, counts)
            # The instance dict, not setattr: Keras layers track attributes.
            vars(layer)["inner_loop"] = loop
        try:
            yield self
        finally:
            for _, layer in self.layers:
                vars(layer).pop("inner_loop", None)
            self.deltas = None

    def _inner_loop(self, name, layer, counts, sequences, initial_state, mask,
                    training=False):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        if not isinstance(initial_state, (list, tuple)):
            initial_state = [initial_state]
        initial_state = list(initial_state)
        counts[name] = counts.get(name, 0) + 1
        label = name if counts[name] == 1 else f"{name} (call {counts[name]})"
        batch, time = sequences.shape[0], sequences.shape[1]
        state_shapes = [tuple(state.shape) for state in initial_state]
        if any(len(state_shape) != 2 for state_shape in state_shapes):
            raise ValueError(
                "`gradient_flow` needs recurrent cells whose states are vectors "
                "`(batch, units)`, as in SimpleRNN, LSTM and GRU. Layer "
                f"{name!r} has a {type(layer.cell).__name__} with state shapes "
                f"{state_shapes}."
            )
        # One slice of the perturbation per state: [h] or [h, c].
        sizes = tuple(int(state_shape[-1]) for state_shape in state_shapes)
        bounds = [sum(sizes[:i]) for i in range(len(sizes) + 1)]
        shape = (batch, time, bounds[-1])
        dtype = keras.backend.standardize_dtype(initial_state[0].dtype)
        if self.deltas is None:
            delta = keras.ops.zeros(shape, dtype=dtype)
        elif callable(self.deltas):
            delta = self.deltas(shape, dtype)
        else:
            delta = self.deltas[len(self.calls)]
        self.calls.append(_Call(label, layer, mask, shape, dtype, delta, sizes))

        features = sequences.shape[-1]
        augmented = keras.ops.concatenate(
            [sequences, keras.ops.cast(delta, sequences.dtype)], axis=-1
        )  # (batch, time, features + sum(sizes))
        cell = layer.cell
        kwargs = {"training": training} if getattr(
            cell, "_call_has_training_arg", False) else {}

        def step(inputs, states):
            output, new_states = cell(inputs[:, :features], states, **kwargs)
            if not isinstance(new_states, (list, tuple)):
                new_states = [new_states]
            if tuple(output.shape) != tuple(new_states[0].shape):
                raise ValueError(
                    "`gradient_flow` needs recurrent cells whose output is their "
                    f"first state (h), as in SimpleRNN, LSTM and GRU. Layer "
                    f"{name!r} has a {type(cell).__name__} with output shape "
                    f"{tuple(output.shape)} and first state shape "
                    f"{tuple(new_states[0].shape)}."
                )
            delta_t = inputs[:, features:]  # (batch, sum(sizes))
            new_states = [
                state + keras.ops.cast(delta_t[:, start:end], state.dtype)
                for state, start, end in zip(new_states, bounds[:-1], bounds[1:])
            ]
            # The output is the perturbed h, so every path from h_t counts.
            return new_states[0], new_states

        return backend_rnn(
            step,
            augmented,
            initial_state,
            go_backwards=layer.go_backwards,
            mask=mask,
            unroll=layer.unroll,
            input_length=time,
            zero_output_for_mask=layer.zero_output_for_mask,
            return_all_outputs=layer.return_sequences,
        )


# Input checks.


def _check_model(model):
    if not isinstance(model, keras.Model):
        raise TypeError(
            "`gradient_flow` takes a `keras.Model` (for example from "
            f"`rnn_zoo.build`). Received: model={model!r} of type "
            f"{type(model).__name__}"
        )
    layers = list(_recurrent_layers(model))
    if not layers:
        kinds = sorted({type(layer).__name__ for layer in model.layers})
        raise ValueError(
            "`gradient_flow` needs a model with at least one recurrent layer "
            "(SimpleRNN, LSTM, GRU, another `keras.layers.RNN`, or a "
            f"`Bidirectional` of one); model {model.name!r} has none. "
            f"Received: a model with layers of types {kinds}"
        )
    if not model.compiled or getattr(model, "loss", None) is None:
        raise ValueError(
            "`gradient_flow` differentiates the model's compiled loss, and "
            f"model {model.name!r} has none. Compile it with a loss first "
            "(rnn_zoo models come compiled unless built with compile=False). "
            f"Received: model.compiled={model.compiled}"
        )
    return layers


def _shape(array):
    shape = array.shape if hasattr(array, "shape") else np.shape(array)
    return tuple(int(d) for d in shape)


def _as_list(x):
    if isinstance(x, dict):
        return list(x.values())
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _check_batch(model, x, y):
    """Checks that `x` fits the model's inputs and `y` has the same batch."""
    inputs = model.inputs
    names = [t.name for t in inputs]
    if isinstance(x, dict):
        missing = sorted(set(names) - set(x))
        if missing:
            raise ValueError(
                f"`x` has no array for the model input(s) {missing}. The model "
                f"takes {names}. Received: x with keys {sorted(x)}"
            )
        arrays = [x[n] for n in names]
    else:
        arrays = list(x) if isinstance(x, (list, tuple)) else [x]
        if len(arrays) != len(inputs):
            raise ValueError(
                f"Model {model.name!r} takes {len(inputs)} input(s) {names}, but "
                f"`x` holds {len(arrays)} array(s). Pass one array per input, in "
                f"this order. Received: x shapes {[_shape(a) for a in arrays]}"
            )
    for name, tensor, array in zip(names, inputs, arrays):
        expected = tuple(tensor.shape)
        got = _shape(array)
        fits = len(got) == len(expected) and all(
            e is None or e == g for e, g in zip(expected, got)
        )
        if not fits:
            shown = tuple("batch" if i == 0 else ("any" if e is None else e)
                          for i, e in enumerate(expected))
            raise ValueError(
                f"The batch does not fit input {name!r} of model {model.name!r}: "
                f"expected shape {shown} ('any' = any size). "
                f"Received: x.shape={got} for {name!r}"
            )
    batch = _shape(arrays[0])[0]
    if batch == 0:
        raise ValueError(f"`x` holds no sequences. Received: x.shape={_shape(arrays[0])}")
    targets = list(y) if isinstance(y, (list, tuple)) else [y]
    for target in targets:
        shape = _shape(target)
        if not shape or shape[0] != batch:
            raise ValueError(
                f"`x` and `y` must hold the same number of sequences: `x` has "
                f"{batch}. Received: y.shape={shape}"
            )
    return x, y
