"""Reusable data pieces: generated toy tasks (`rnn_zoo.data.toy`), pipelines."""
