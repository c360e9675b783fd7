"""Samples a run shows and saves: text a language model writes."""

from rnn_zoo import decoding


# Below this many tokens, stepping eagerly is faster than compiling the
# generation loop (XLA compiles in seconds; an eager step takes milliseconds).
COMPILE_FROM = 100


def generate_text(model, vocabulary, prompt, length, *, temperature=0.8, seed=0):
    """Continues `prompt` with `length` tokens sampled from a language model.

    Args:
        model: a trained `language_model`.
        vocabulary: the run's `rnn_zoo.data.Vocabulary`.
        prompt: str. Characters (character vocabularies) or space-separated
            words (word vocabularies).
        length: int. Tokens to generate.
        temperature: float > 0. Sampling temperature; lower is safer.
        seed: int. The same seed gives the same text.

    Returns:
        str: the prompt and its continuation.
    """
    tokens = prompt.split() if vocabulary.split == "none" else prompt
    ids = vocabulary.encode(tokens).numpy() if tokens else None
    if ids is None or ids.size == 0:
        raise ValueError(
            "The prompt holds no tokens to continue from. Received: "
            f"prompt={prompt!r}"
        )
    out = decoding.generate(model, ids, length,
                            strategy=decoding.get("sample", temperature=temperature), seed=seed,
                            jit_compile=length >= COMPILE_FROM)
    separator = "" if vocabulary.split == "character" else " "
    return prompt + separator + vocabulary.decode(out.tokens[0])
