#!/usr/bin/env python3
"""A tiny random GPT2DoubleHeadsModel with GPT-2's real tokenizer, PyTorch's outputs and
gradients, and Python Simple Transformers' ConvAI inputs built from a small PersonaChat file,
for the st-conv-ai parity tests.

Usage:
    python scripts/make_conv_ai_fixtures.py [--out fixtures]

Writes (transformers 5.23.0, torch 2.15.0, simpletransformers 0.70.8):

  conv_ai/dialogues.json   a PersonaChat-format file written here: two dialogues, personas of
                           two sentences, utterances with growing histories and three
                           candidates each (gold last)
  conv_ai/tokens.json      the ids Simple Transformers' add_special_tokens_ gives
                           <bos> <eos> <speaker1> <speaker2> <pad> on GPT-2's tokenizer
  conv_ai/instances.json   what Simple Transformers' own load_and_cache_examples builds from
                           dialogues.json, for train (num_candidates 2, max_history 1,
                           personality_permutations 2) and eval (every candidate): per
                           instance and candidate input_ids, token_type_ids, labels,
                           mc_token_ids (padding stripped) and the mc_labels
  models/gpt2-double-heads/  the model (n_embd 16, 4 heads, 2 layers, 128 positions, every
                           dropout 0, the 5 tokens added and the embeddings resized to 50262;
                           parameters N(0, 0.2), seeded), saved with save_pretrained with its
                           tokenizer, and reference.json: for the first two train instances
                           (2 x 2 candidates, right-padded with <pad>): mc_logits, lm_loss,
                           mc_loss, loss = 2 lm_loss + mc_loss, lm_logits at columns 0..32
                           and 50250..50262, gradients of selected parameters, and the
                           word-embedding gradient's rows at the ids the batch uses; and
                           `decode`: Simple Transformers' own sample_sequence with do_sample
                           false (min_length 0, max_length 8) for two personas and histories,
                           the reply ids and each step's top-two logit margin

Simple Transformers' ConvAI module no longer imports on transformers 5 (conv_ai_utils imports
the removed `cached_path`): this script loads that file with the import replaced by the
identity on local paths, gives GPT2Tokenizer back the `encoder` attribute add_special_tokens_
counts (the base vocabulary), and uses the rest unchanged. CPU, float32, one thread; nothing is
downloaded.
"""

import argparse
import importlib.util
import json
import os
import shutil
import sys
import types

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402
from make_t5_fixtures import table_grad, tensor_json, write_readme_section  # noqa: E402
from transformers import GPT2Config, GPT2DoubleHeadsModel, GPT2Tokenizer  # noqa: E402

README_SECTION = """## models/gpt2-double-heads/ and conv_ai/

Made by `scripts/make_conv_ai_fixtures.py` (its docstring lists every field): a tiny random
`GPT2DoubleHeadsModel` (n_embd 16, 2 layers, dropout 0) with GPT-2's real tokenizer and
ConvAI's five special tokens added, and PyTorch's outputs, losses and gradients on two
dialogue turns; a small PersonaChat file and the inputs Python Simple Transformers'
`load_and_cache_examples` builds from it (padding stripped), and the special-token ids its
`add_special_tokens_` gives.
"""

SEED = 5
INIT_STD = 0.2
TRAIN_ARGS = {"num_candidates": 2, "max_history": 1, "personality_permutations": 2}
GRAD_PARAMS = [
    "transformer.h.0.attn.c_attn.weight",
    "transformer.h.1.mlp.c_proj.weight",
    "transformer.ln_f.weight",
    "transformer.wpe.weight",
    "multiple_choice_head.summary.weight",
    "multiple_choice_head.summary.bias",
]


def dialogues():
    """Two small PersonaChat dialogues (candidates: distractors first, gold last)."""
    return [
        {
            "personality": ["i like to ski.", "my dog is called rex."],
            "utterances": [
                {
                    "history": ["hello, how are you today?"],
                    "candidates": ["i build boats.", "the sea is blue.", "great, i just got back from skiing!"],
                },
                {
                    "history": [
                        "hello, how are you today?",
                        "great, i just got back from skiing!",
                        "nice. do you have pets?",
                    ],
                    "candidates": ["i hate mondays.", "my car is red.", "yes, a dog named rex."],
                },
            ],
        },
        {
            "personality": ["i am a teacher.", "i read a lot of books."],
            "utterances": [
                {
                    "history": ["what do you do for work?"],
                    "candidates": ["pizza is good.", "it rained today.", "i teach history at a school."],
                },
                {
                    "history": [
                        "what do you do for work?",
                        "i teach history at a school.",
                        "cool! any hobbies?",
                        "reading, mostly novels.",
                        "what are you reading now?",
                    ],
                    "candidates": ["i like trains.", "my phone broke.", "a book about old ships."],
                },
            ],
        },
    ]


def import_conv_ai():
    """Simple Transformers' ConvAIModel, its utils loaded with `cached_path` as the identity."""
    package = os.path.dirname(importlib.util.find_spec("simpletransformers").origin)
    path = os.path.join(package, "conv_ai", "conv_ai_utils.py")
    source = open(path, encoding="utf-8").read()
    source = source.replace("from transformers import cached_path", "cached_path = lambda path, **kwargs: path")
    module = types.ModuleType("simpletransformers.conv_ai.conv_ai_utils")
    module.__file__ = path
    exec(compile(source, path, "exec"), module.__dict__)
    sys.modules[module.__name__] = module
    from simpletransformers.conv_ai.conv_ai_model import ConvAIModel

    # `add_special_tokens_` counts `tokenizer.encoder`, which transformers 5's GPT2Tokenizer no
    # longer has: the base vocabulary (nothing is added yet when it is read).
    if not hasattr(GPT2Tokenizer, "encoder"):
        GPT2Tokenizer.encoder = property(lambda self: self.get_vocab())
    return ConvAIModel


def instances(model, path, evaluate):
    """load_and_cache_examples' tensors, each candidate's padding stripped."""
    loader, _ = model.load_and_cache_examples(path, evaluate=evaluate, no_cache=True, silent=True)
    input_ids, mc_token_ids, labels, mc_labels, token_type_ids = loader.dataset.tensors
    out = []
    for i in range(input_ids.shape[0]):
        candidates = []
        for c in range(input_ids.shape[1]):
            n = int(mc_token_ids[i, c]) + 1
            candidates.append(
                {
                    "input_ids": input_ids[i, c, :n].tolist(),
                    "token_type_ids": token_type_ids[i, c, :n].tolist(),
                    "labels": labels[i, c, :n].tolist(),
                    "mc_token_ids": int(mc_token_ids[i, c]),
                    "padding_is_pad_and_ignored": bool(
                        (input_ids[i, c, n:] == model.tokenizer.convert_tokens_to_ids("<pad>")).all()
                        and (labels[i, c, n:] == -100).all()
                    ),
                }
            )
        out.append({"candidates": candidates, "mc_labels": int(mc_labels[i])})
    return out


def build_model(gpt2_tokenizer_dir, model_dir):
    """The tiny GPT2DoubleHeadsModel with ConvAI's tokens added, saved and reloaded."""
    tokenizer = GPT2Tokenizer(
        os.path.join(gpt2_tokenizer_dir, "vocab.json"), os.path.join(gpt2_tokenizer_dir, "merges.txt")
    )
    config = GPT2Config(
        vocab_size=len(tokenizer),
        n_positions=128,
        n_embd=16,
        n_layer=2,
        n_head=4,
        resid_pdrop=0.0,
        embd_pdrop=0.0,
        attn_pdrop=0.0,
        summary_first_dropout=0.0,
    )
    torch.manual_seed(SEED)
    model = GPT2DoubleHeadsModel(config)
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0.0, INIT_STD)
    model.save_pretrained(model_dir)
    tokenizer.save_pretrained(model_dir)
    return model_dir


DECODE_CASES = [
    (["i like to ski.", "my dog is called rex."], ["hello, how are you today?"]),
    (["i am a teacher."], ["what do you do?", "i teach.", "do you like it?"]),
]


def decode_cases(st_model, model, tokenizer):
    """Greedy replies by Simple Transformers' sample_sequence, with each step's margin."""
    args = st_model.args
    args.do_sample, args.max_length, args.min_length = False, 8, 0
    cases = []
    for personality, history in DECODE_CASES:
        persona = [tokenizer.encode(s.lower()) for s in personality]
        encoded = [tokenizer.encode(m) for m in history]
        with torch.no_grad():
            reply = st_model.sample_sequence(persona, encoded, tokenizer, model, args)
            margins, current = [], []
            for token in reply + [None]:
                instance = st_model.build_input_from_segments(persona, encoded, current, tokenizer, with_eos=False)
                logits = model(
                    torch.tensor([instance["input_ids"]]), token_type_ids=torch.tensor([instance["token_type_ids"]])
                ).logits[0, -1]
                top = torch.topk(logits, 2).values
                margins.append(float(top[0] - top[1]))
                if token is not None:
                    current.append(token)
                if len(current) == args.max_length:
                    break
        cases.append({"personality": personality, "history": history, "max_length": 8, "reply_ids": reply, "margins": margins})
    return cases


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="fixtures")
    args = parser.parse_args()
    torch.set_num_threads(1)
    out = args.out
    conv_dir = os.path.join(out, "conv_ai")
    model_dir = os.path.join(out, "models", "gpt2-double-heads")
    shutil.rmtree(model_dir, ignore_errors=True)
    os.makedirs(conv_dir, exist_ok=True)
    data_path = os.path.join(conv_dir, "dialogues.json")
    with open(data_path, "w", encoding="utf-8") as f:
        json.dump(dialogues(), f, indent=1)
        f.write("\n")

    build_model(os.path.join(out, "tokenizers", "gpt2"), model_dir)
    ConvAIModel = import_conv_ai()
    cache = os.path.join(os.environ.get("TMPDIR", "/tmp"), "st-conv-ai-fixture-cache")
    common = {"cache_dir": cache, "process_count": 1, "silent": True, "no_cache": True}
    # Simple Transformers adds the five tokens and resizes the embeddings (50257 -> 50262).
    st_model = ConvAIModel("gpt2", model_dir, use_cuda=False, args={**common, **TRAIN_ARGS})
    tokenizer = st_model.tokenizer
    names = ["<bos>", "<eos>", "<speaker1>", "<speaker2>", "<pad>"]
    tokens = {name: tokenizer.convert_tokens_to_ids(name) for name in names}
    tokens["vocab_size"] = len(tokenizer)
    train = instances(st_model, data_path, evaluate=False)
    st_eval = ConvAIModel("gpt2", model_dir, use_cuda=False, args={**common, **TRAIN_ARGS})
    evaluation = instances(st_eval, data_path, evaluate=True)
    with open(os.path.join(conv_dir, "tokens.json"), "w") as f:
        json.dump(tokens, f, indent=1)
        f.write("\n")
    with open(os.path.join(conv_dir, "instances.json"), "w") as f:
        json.dump({"args": TRAIN_ARGS, "train": train, "eval": evaluation}, f)
        f.write("\n")

    # The resized model, saved as the fixture (its tokenizer with the tokens added).
    model = st_model.model
    with torch.no_grad():
        # The new rows: seeded draws, not transformers' covariance-matched ones, so that the
        # fixture does not depend on how a version initialises resized rows.
        generator = torch.Generator().manual_seed(SEED + 1)
        rows = model.transformer.wte.weight[-len(names):]
        rows.copy_(torch.randn(rows.shape, generator=generator) * INIT_STD)
    model.save_pretrained(model_dir)
    tokenizer.save_pretrained(model_dir)
    model = GPT2DoubleHeadsModel.from_pretrained(model_dir, attn_implementation="eager")
    model.eval()

    batch = train[:2]
    pad = tokens["<pad>"]
    seq = max(len(c["input_ids"]) for item in batch for c in item["candidates"])

    def padded(key, fill):
        return torch.tensor([[c[key] + [fill] * (seq - len(c[key])) for c in item["candidates"]] for item in batch])

    input_ids, token_type_ids, labels = padded("input_ids", pad), padded("token_type_ids", pad), padded("labels", -100)
    mc_token_ids = torch.tensor([[c["mc_token_ids"] for c in item["candidates"]] for item in batch])
    mc_labels = torch.tensor([item["mc_labels"] for item in batch])
    output = model(
        input_ids,
        token_type_ids=token_type_ids,
        mc_token_ids=mc_token_ids,
        mc_labels=mc_labels,
        labels=labels,
    )
    loss = 2.0 * output.loss + 1.0 * output.mc_loss
    loss.backward()
    params = dict(model.named_parameters())
    vocab = output.logits.shape[-1]
    used = sorted(set(input_ids.reshape(-1).tolist()))
    reference = {
        "batch": {
            "input_ids": input_ids.tolist(),
            "token_type_ids": token_type_ids.tolist(),
            "labels": labels.tolist(),
            "mc_token_ids": mc_token_ids.tolist(),
            "mc_labels": mc_labels.tolist(),
        },
        "mc_logits": tensor_json(output.mc_logits),
        "lm_loss": float(output.loss),
        "mc_loss": float(output.mc_loss),
        "loss": float(loss),
        "lm_coef": 2.0,
        "mc_coef": 1.0,
        "lm_logits_head": tensor_json(output.logits[..., :32]),
        "lm_logits_tail": tensor_json(output.logits[..., vocab - 12 :]),
        "tail_start": vocab - 12,
        "grads": {name: tensor_json(params[name].grad) for name in GRAD_PARAMS},
        "wte_grad": table_grad(params["transformer.wte.weight"].grad, used),
    }
    reference["decode"] = decode_cases(st_model, model, tokenizer)
    with open(os.path.join(model_dir, "reference.json"), "w") as f:
        json.dump(reference, f)
        f.write("\n")
    write_readme_section(out, README_SECTION)
    print(f"wrote {conv_dir} and {model_dir}: {len(train)} train and {len(evaluation)} eval instances")


if __name__ == "__main__":
    main()
