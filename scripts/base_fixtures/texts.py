"""The fixed texts of the base fixtures."""

# ---------------------------------------------------------------------------------------------
# Fixed texts
# ---------------------------------------------------------------------------------------------

# The padded batch fed to every tiny model: three clearly different lengths, one with accents.
BATCH_TEXTS = [
    "Hello world!",
    "Café déjà vu: the naïve fiancée ordered crème brûlée.",
    "The quick brown fox jumps over the lazy dog while three sleepy cats "
    "watch from the sunny kitchen window.",
]

# The single sentence pair fed to every tiny model.
PAIR_TEXT_A = "How old is the lighthouse on the hill?"
PAIR_TEXT_B = "It was built in 1887 and still guides the fishing boats home."

# Training / trimming / vocabulary-building corpus.  It contains the model texts above but deliberately no emoji and
# no Korean, so that the small tokenizers built from it have to fall back to <unk> on those.
CORPUS = BATCH_TEXTS + [PAIR_TEXT_A, PAIR_TEXT_B] + [
    "A stitch in time saves nine.",
    "The weather forecast predicts heavy rain for the weekend.",
    "She sells sea shells by the sea shore.",
    "Machine learning models need a lot of training data.",
    "Transformers use self-attention to mix information between tokens.",
    "Paris is the capital and most populous city of France.",
    "What is the capital of France?",
    "The museum opens at 9:30 a.m. and closes at 5 p.m. on weekdays.",
    "I can't believe it's already the end of December!",
    "Please send the report to the finance team by Friday.",
    "The recipe calls for 250 grams of flour, two eggs and a pinch of salt.",
    "Mount Everest is 8,849 metres tall.",
    "He said: \"Don't worry, everything will be fine.\"",
    "Our new smartphone has a faster processor and a better camera.",
    "The children played football in the park until sunset.",
    "Photosynthesis converts sunlight, water and carbon dioxide into sugar.",
    "Tokyo, New York and London are large financial centres.",
    "The stock market fell by 3.5% after the announcement.",
    "Can you recommend a good book about ancient history?",
    "The train to Berlin departs from platform 7.",
    "Water boils at 100 degrees Celsius at sea level.",
    "My favourite colours are blue, green and orange.",
    "The committee will vote on the proposal next Tuesday.",
    "Honey never spoils if it is stored properly.",
    "The orchestra performed Beethoven's Ninth Symphony beautifully.",
    "Unbelievably, the old printer still works after twenty years.",
    "Crème fraîche and jalapeño peppers are on the menu at the café.",
    "Zoë and Chloé visited the Ångström laboratory in Uppsala.",
    "El niño comió una manzana en la mañana.",
    "Über den Wolken muss die Freiheit wohl grenzenlos sein.",
    "中文 is written with characters; 中 means middle.",
    "Python, Rust and Go are popular programming languages.",
    "The function returns None when the input list is empty.",
    "Email me at example@example.com or call +1-555-0100.",
    "Wow!!! That was AMAZING, wasn't it?",
    "THE QUICK BROWN FOX SHOUTS IN CAPITAL LETTERS.",
    "Scientists discovered a new species of frog in the rainforest.",
    "The bakery sells fresh bread, croissants and muffins every morning.",
    "Quantum computers could break some of today's encryption schemes.",
    "Please remember to water the plants while I'm away.",
    "The film won three awards, including best director.",
    "A journey of a thousand miles begins with a single step.",
    "Antidisestablishmentarianism is a famously long English word.",
    "It rained all day, so we stayed inside and played board games.",
    "Neural networks are trained with gradient descent and backpropagation.",
]

# Tokenizer parity texts: accents, emoji, CJK, odd whitespace, uppercase, special tokens.
CASE_SINGLES = [
    "Hello, World! This is a TEST of the Tokenizer.",
    "  Leading and   trailing   whitespace\t\ttabs\nand newlines  ",
    "Café déjà vu: naïve résumé, Ångström façade, jalapeño.",
    "Emoji are fun 😀🚀🎉 but rare!",
    "中文 mixed with 日本語 and 한국어 text.",
    "unbelievably long-words: antidisestablishmentarianism!!!",
    "Numbers like 3.14159, 2,718 and 1e-10 — with dashes.",
    "Special tokens [MASK] and <mask> inside text.",
    "a",
]
CASE_PAIRS = [
    ("What is the capital of France?", "Paris is the capital and most populous city of France."),
    ("Café au lait", "😀 EMOJI and 中文 in the SECOND segment"),
    ("A fairly long first segment that keeps going and going for quite a while", "short"),
    ("x", "The second segment is the longer one here, by a very wide margin indeed."),
]

MINILM_TEXTS = [
    "This framework generates embeddings for each input sentence.",
    "Sentences are passed as a list of strings.",
    "The quick brown fox jumps over the lazy dog.",
]
