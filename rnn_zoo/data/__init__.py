"""Reusable data pieces: generated tasks (`rnn_zoo.data.synthetic`), pipelines."""
