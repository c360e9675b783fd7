"""Task builders; importing this module registers them."""

from rnn_zoo.tasks.image_captioner import image_captioner
from rnn_zoo.tasks.instruction_follower import instruction_follower
from rnn_zoo.tasks.language_model import language_model
from rnn_zoo.tasks.seq2seq_translator import seq2seq_translator
from rnn_zoo.tasks.question_answerer import best_span, question_answerer
from rnn_zoo.tasks.sequence_classifier import sequence_classifier
from rnn_zoo.tasks.sequence_tagger import sequence_tagger
from rnn_zoo.tasks.speech_recognizer import speech_recognizer
from rnn_zoo.tasks.text_classifier import text_classifier
from rnn_zoo.tasks.text_recognizer import text_recognizer
from rnn_zoo.tasks.video_classifier import video_classifier
from rnn_zoo.tasks.visual_dialog import visual_dialog
from rnn_zoo.tasks.visual_question_answerer import visual_question_answerer

__all__ = [
    "best_span",
    "image_captioner",
    "instruction_follower",
    "language_model",
    "seq2seq_translator",
    "question_answerer",
    "sequence_classifier",
    "sequence_tagger",
    "speech_recognizer",
    "text_classifier",
    "text_recognizer",
    "video_classifier",
    "visual_dialog",
    "visual_question_answerer",
]
