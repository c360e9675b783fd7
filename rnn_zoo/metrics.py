"""Metrics that stay exact when sequences differ in length.

Keras averages a per-step metric per sequence first: a batch adds
`sum_t(value * mask) / T` to the total and `sum_t(mask) / T` to the count, `T`
being its padded length. Within one batch of one padded length that is the
mean over real tokens, but across batches padded to different lengths (length
buckets, or fixed-length batches of different sizes) each token weighs
`1 / T`, so an epoch's accuracy leans towards the short batches: two
sequences, 8 tokens all right and 2 tokens all wrong, give Keras' accuracy
0.5 where 8 of 10 tokens are right. The metrics here sum over tokens instead.
"""

import keras
from keras import ops
from rnn_zoo._keras_compat import apply_mask, get_keras_mask, squeeze_or_expand_to_same_rank


@keras.saving.register_keras_serializable(package="rnn_zoo")
class TokenMeanMetricWrapper(keras.metrics.MeanMetricWrapper):
    """`keras.metrics.MeanMetricWrapper` that weighs every token alike.

    `fn(y_true, y_pred)` gives one value per token (or per example); the
    result is `sum(value * weight) / sum(weight)` over everything seen, where
    the weight is the output's mask times `sample_weight` (each 1 when
    absent). On outputs without a time axis it is the plain mean.

    Args:
        fn: the per-token metric function.
        name: str. Name of the metric.
        dtype: the metric's dtype.
        **kwargs: keyword arguments for `fn`.
    """

    def update_state(self, y_true, y_pred, sample_weight=None):
        values = self._fn(y_true, y_pred, **self._fn_kwargs)  # (batch, ...)
        if sample_weight is not None:
            sample_weight = ops.convert_to_tensor(sample_weight, self.dtype)
        # The mask folded into the weights as Keras' own wrapper does ...
        weight = apply_mask(sample_weight, get_keras_mask(y_pred), dtype=self.dtype)
        if weight is not None:
            values, weight = squeeze_or_expand_to_same_rank(values, weight)
            weight = ops.reshape(ops.broadcast_to(weight, ops.shape(values)), (-1,))
        # ... then one weight per token, summed: no per-sequence averaging.
        return keras.metrics.Mean.update_state(
            self, ops.reshape(values, (-1,)), sample_weight=weight
        )


@keras.saving.register_keras_serializable(package="rnn_zoo")
class TokenAccuracy(TokenMeanMetricWrapper):
    """Sparse categorical accuracy over real (unmasked) tokens, exactly.

    The fraction of real tokens whose argmax is the target, however the
    batches are padded (see the module docs for why Keras'
    `SparseCategoricalAccuracy` is not). The compiled metric `"accuracy"` of
    every rnn_zoo model with a per-step output.

    Args:
        name: str. Defaults to `"accuracy"`.
        dtype: the metric's dtype.

    Example:

    >>> metric = TokenAccuracy()
    >>> metric.update_state([[1, 2, 0]], [[[0, 1, 0], [0, 1, 0], [1, 0, 0]]],
    ...                     sample_weight=[[1, 1, 0]])
    >>> metric.update_state([[1]], [[[0, 1, 0]]])
    >>> round(float(metric.result()), 4)  # 2 right of 3 real tokens
    0.6667
    """

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(fn=keras.metrics.sparse_categorical_accuracy, name=name, dtype=dtype)
        self._direction = "up"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}



# Corpus BLEU through sacreBLEU (translation and captioning recipes).


def corpus_bleu(hypotheses, references):
    """Corpus BLEU-4 in percent, as sacreBLEU computes it.

    `sacrebleu.corpus_bleu` with its defaults (13a tokenisation, cased,
    `exp` smoothing) on detokenised text: the figure papers report,
    comparable across tokenisers.

    Args:
        hypotheses: list of str, one detokenised output per segment.
        references: list with one entry per segment: a str (one reference)
            or a list of str (several references, the same number for every
            segment).

    Returns:
        float, BLEU in [0, 100].

    Example:

    >>> round(corpus_bleu(["The cat sat on the mat."], ["The cat sat on the mat."]), 2)
    100.0
    """
    import sacrebleu

    hypotheses, references = list(hypotheses), list(references)
    if len(hypotheses) != len(references) or not hypotheses:
        raise ValueError(
            "`corpus_bleu` needs one reference entry per hypothesis, and at "
            f"least one segment. Received: {len(hypotheses)} hypotheses and "
            f"{len(references)} references"
        )
    rows = [[r] if isinstance(r, str) else list(r) for r in references]
    counts = {len(r) for r in rows}
    if len(counts) != 1 or 0 in counts:
        raise ValueError(
            "Every segment needs the same number (at least one) of references. "
            f"Received: reference counts {sorted(counts)}"
        )
    for text in [*hypotheses, *(t for r in rows for t in r)]:
        if not isinstance(text, str):
            raise TypeError(
                "Hypotheses and references must be str (detokenised text). "
                f"Received: {type(text).__name__} {text!r:.60}"
            )
    streams = [list(stream) for stream in zip(*rows)]
    return float(sacrebleu.corpus_bleu(hypotheses, streams).score)


# Entity-level scores for IOB tagging (NER, chunking), from seqeval. ----------


def entity_scores(true_tags, predicted_tags):
    """Entity-level precision, recall and F1, micro-averaged, by `seqeval`.

    A thin wrapper on `seqeval.metrics` in its default mode, which counts
    entities as the CoNLL shared tasks' `conlleval` script does: an entity
    is a maximal run `B-X I-X ...`, and an `I-X` after anything but `X`
    starts one (so IOB1 files, as CoNLL-2003 writes them, and IOB2 score
    alike). An entity is right when its type and both ends match. Where
    nothing is predicted (or expected) the undefined ratio is 0.

    Args:
        true_tags: list of sentences, each a list of str tags (`"B-PER"`,
            `"I-PER"`, `"O"`, ...).
        predicted_tags: list of sentences of predicted tags, each as long as
            the matching true sentence.

    Returns:
        dict: `precision`, `recall`, `f1` (floats in `[0, 1]`) and
        `per_type`, `{type: {"precision", "recall", "f1", "support"}}`.

    Raises:
        ValueError: different numbers of sentences, or a sentence whose
            predicted tags are not as many as its true tags.

    Example (seqeval's own README example: one of two entities right):

    >>> scores = entity_scores(
    ...     [["O", "O", "O", "B-MISC", "I-MISC", "I-MISC", "O"], ["B-PER", "I-PER", "O"]],
    ...     [["O", "O", "B-MISC", "I-MISC", "I-MISC", "I-MISC", "O"], ["B-PER", "I-PER", "O"]])
    >>> scores["precision"], scores["recall"], scores["f1"]
    (0.5, 0.5, 0.5)
    """
    from seqeval.metrics import classification_report
    from seqeval.metrics.sequence_labeling import get_entities

    true_tags, predicted_tags = list(true_tags), list(predicted_tags)
    if len(true_tags) != len(predicted_tags):
        raise ValueError(
            "`true_tags` and `predicted_tags` must hold the same number of sentences. "
            f"Received: {len(true_tags)} true and {len(predicted_tags)} predicted sentences"
        )
    for i, (true, predicted) in enumerate(zip(true_tags, predicted_tags)):
        if isinstance(true, str) or isinstance(predicted, str):
            raise TypeError(
                "`true_tags` and `predicted_tags` must be lists of sentences, each a "
                f"list of tags, not of str. Received: sentence {i} = {true!r} and "
                f"{predicted!r}"
            )
        if len(true) != len(predicted):
            raise ValueError(
                f"Sentence {i} has {len(true)} true tags but {len(predicted)} predicted "
                "tags: every word needs one of each."
            )
    true_tags = [list(t) for t in true_tags]
    predicted_tags = [list(p) for p in predicted_tags]
    if not get_entities(true_tags) and not get_entities(predicted_tags):
        return {"precision": 0.0, "recall": 0.0, "f1": 0.0, "per_type": {}}
    report = classification_report(true_tags, predicted_tags, output_dict=True,
                                   zero_division=0)
    micro = report["micro avg"]
    per_type = {
        kind: {"precision": float(row["precision"]), "recall": float(row["recall"]),
               "f1": float(row["f1-score"]), "support": int(row["support"])}
        for kind, row in report.items() if not kind.endswith(" avg")
    }
    return {"precision": float(micro["precision"]), "recall": float(micro["recall"]),
            "f1": float(micro["f1-score"]), "per_type": per_type}
