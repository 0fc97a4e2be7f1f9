#!/usr/bin/env python3
"""Tiny random BART, mBART and Marian models and PyTorch's outputs and gradients, for the Rust
parity tests of the BART family.

Usage:
    python scripts/make_bart_fixtures.py [--out fixtures]

Writes (transformers 5.23.0, torch 2.15.0; pins in scripts/requirements-fixtures.txt) three
directories, each a model of the same shapes (d_model 32, 4 heads, feed-forward 48, 2 encoder
and 3 decoder layers, 64 positions, embeddings scaled by sqrt(d_model)), every trained parameter
and the `final_logits_bias` buffer N(0, 0.2) (seeded), saved with save_pretrained and reloaded:

  models/bart/    `BartForConditionalGeneration`, exact GELU, vocabulary 500 with BART's <s>=0
                  <pad>=1 </s>=2 and models/roberta/'s byte-level BPE tokenizer files, copied
  models/mbart/   `MBartForConditionalGeneration` (pre-LayerNorm, a final LayerNorm per stack),
                  the same tokenizer with the language codes en_XX=500 and de_DE=501 added;
                  batches framed as MBartTokenizer frames them (`tokens </s> lang`), decoder
                  inputs by mBART's shift_tokens_right (the labels' language code first), the
                  decoder start de_DE (as Simple Transformers generates)
  models/marian/  `MarianMTModel` (fixed sinusoidal positions, no layernorm_embedding, SiLU)
                  English -> Japanese on two real SentencePiece models from the sentencepiece
                  0.2.3 sdist's test folder (botchan_en_unigram_1000 as source.spm,
                  kyoto_ja_unigram_8000 as target.spm; fetched from PyPI into target/ as
                  make_t5_fixtures.py does), vocab.json as OPUS-MT orders it (</s>=0, <unk>=1,
                  the pieces, <pad> last: 8,920 entries), MarianTokenizer's files, and the
                  tokenizer.json / target_tokenizer.json of scripts/convert_marian_tokenizer.py,
                  checked against MarianTokenizer on six texts

and each one's reference.json:

  texts           the input and target texts the batch is made of
  batch           encoder input_ids / attention_mask (right padding), labels (-100 on
                  padding), decoder_input_ids (the model's own shift of the labels)
  encoder_hidden  the encoder's last hidden state
  logits, loss    for the labels (CrossEntropyLoss, ignore_index -100)
  grads           full gradients of selected parameters (HF names, PyTorch layouts)
  table_grads     model.shared.weight: gradient rows at the ids the batch uses, and |sum|
  generate        `model.generate` on the inputs, greedy and beam search (as for T5), with the
                  generation defaults: forced_eos_token_id at one below the length limit, and
                  for BART forced_bos_token_id 0 after the decoder start
  languages       (mBART) the language codes' ids

CPU, float32, eval mode, eager attention, one thread. Only the sdist is downloaded.
"""

import argparse
import json
import os
import shutil

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import torch  # noqa: E402
import tarfile  # noqa: E402

from make_t5_fixtures import (  # noqa: E402  (scripts/ is on sys.path)
    SDIST,
    fetch_spm,
    generate_cases,
    table_grad,
    tensor_json,
    write_readme_section,
)
from transformers import (  # noqa: E402
    AutoTokenizer,
    BartConfig,
    BartForConditionalGeneration,
    MarianConfig,
    MarianMTModel,
    MBartConfig,
    MBartForConditionalGeneration,
)
from transformers.models.bart.modeling_bart import shift_tokens_right  # noqa: E402
from transformers.models.mbart.modeling_mbart import shift_tokens_right as mbart_shift_tokens_right  # noqa: E402

README_SECTION = """## models/bart/, models/mbart/ and models/marian/

Made by `scripts/make_bart_fixtures.py` (its docstring lists every field): tiny random
`BartForConditionalGeneration`, `MBartForConditionalGeneration` and `MarianMTModel`s (d_model 32,
4 heads, feed-forward 48, 2 encoder and 3 decoder layers, 64 positions, `scale_embedding`), every
trained parameter and the `final_logits_bias` buffer N(0, 0.2). BART has models/roberta/'s
500-token byte-level BPE tokenizer, mBART the same with the language codes en_XX and de_DE
added; Marian translates English to Japanese with two real SentencePiece models of the
sentencepiece sdist (botchan English unigram 1,000 as `source.spm`, kyoto Japanese unigram 8,000
as `target.spm`), MarianTokenizer's `vocab.json` (8,920 entries) and the `tokenizer.json` /
`target_tokenizer.json` that `scripts/convert_marian_tokenizer.py` writes from them.
`reference.json`: texts and their right-padded batch with labels and decoder inputs, the
encoder's last hidden state, the logits, the loss and gradients, and `generate` outputs, from
the reloaded models.
"""

# Random BART weights make the model repeat one token. With seed 11, two beam candidates were
# 3e-5 apart in log-probability, a near-tie that float32 differences of 1e-7 per logit flip.
# With seed 16, the beams part at their first token, 1e-2 apart.
SEED = 16
INIT_STD = 0.2
CONFIG = dict(
    vocab_size=500,
    d_model=32,
    encoder_layers=2,
    decoder_layers=3,
    encoder_attention_heads=4,
    decoder_attention_heads=4,
    encoder_ffn_dim=48,
    decoder_ffn_dim=48,
    max_position_embeddings=64,
    activation_function="gelu",
    dropout=0.0,
    attention_dropout=0.0,
    activation_dropout=0.0,
    scale_embedding=True,
    bos_token_id=0,
    pad_token_id=1,
    eos_token_id=2,
    decoder_start_token_id=2,
    forced_bos_token_id=0,
    forced_eos_token_id=2,
)
TOKENIZER_FILES = ["vocab.json", "merges.txt", "tokenizer.json", "tokenizer_config.json"]
INPUT_TEXTS = ["The quick brown fox jumps over the lazy dog.", "Hello world"]
TARGET_TEXTS = ["A fox jumped.", "Hi"]
GRAD_PARAMS = [
    "model.encoder.embed_positions.weight",
    "model.encoder.layernorm_embedding.weight",
    "model.encoder.layers.0.self_attn.q_proj.weight",
    # Not k_proj.bias: its gradient is zero in exact arithmetic (a constant per query row, which
    # softmax ignores), so both sides hold rounding noise.
    "model.encoder.layers.0.self_attn.k_proj.weight",
    "model.encoder.layers.0.self_attn.v_proj.bias",
    "model.encoder.layers.1.fc2.weight",
    "model.encoder.layers.1.final_layer_norm.bias",
    "model.decoder.embed_positions.weight",
    "model.decoder.layers.0.self_attn.out_proj.weight",
    "model.decoder.layers.1.encoder_attn.v_proj.weight",
    "model.decoder.layers.2.encoder_attn_layer_norm.weight",
    "model.decoder.layers.2.fc1.bias",
]


MBART_LANGS = ["en_XX", "de_DE"]
MBART_CONFIG = dict(
    CONFIG,
    vocab_size=500 + len(MBART_LANGS),
    # As Simple Transformers generates with mBART: from the target language's code.
    decoder_start_token_id=501,
    forced_bos_token_id=None,
)
MBART_GRAD_PARAMS = GRAD_PARAMS + ["model.encoder.layer_norm.weight", "model.decoder.layer_norm.bias"]

# English → Japanese on two real SentencePiece models of sentencepiece's test folder.
MARIAN_SPM = {
    "source.spm": "sentencepiece-0.2.3/test/botchan_en_unigram_1000.model",
    "target.spm": "sentencepiece-0.2.3/test/kyoto_ja_unigram_8000.model",
}
MARIAN_TARGETS = ["吾輩は猫である。", "こんにちは"]
MARIAN_GRAD_PARAMS = [name for name in GRAD_PARAMS if "embed_positions" not in name and "layernorm_embedding" not in name]


def marian_config(vocab):
    return dict(
        CONFIG,
        vocab_size=len(vocab),
        activation_function="swish",
        bos_token_id=None,
        pad_token_id=vocab["<pad>"],
        eos_token_id=vocab["</s>"],
        decoder_start_token_id=vocab["<pad>"],
        forced_bos_token_id=None,
        forced_eos_token_id=vocab["</s>"],
    )


def randomise(model):
    """Every trained parameter and the `final_logits_bias` buffer N(0, INIT_STD), seeded;
    Marian's frozen sinusoidal positions stay as they are."""
    generator = torch.Generator().manual_seed(SEED)
    with torch.no_grad():
        for _, param in model.named_parameters():
            if param.requires_grad:
                param.copy_(torch.randn(param.shape, generator=generator) * INIT_STD)
        model.final_logits_bias.copy_(torch.randn(model.final_logits_bias.shape, generator=generator) * INIT_STD)


def save_and_reload(model, model_class, directory):
    os.makedirs(directory, exist_ok=True)
    model.save_pretrained(directory)
    reloaded = model_class.from_pretrained(directory, attn_implementation="eager").eval()
    assert torch.equal(reloaded.final_logits_bias, model.final_logits_bias), "final_logits_bias not saved"
    return reloaded


def copy_roberta_tokenizer(out_dir, directory):
    for name in TOKENIZER_FILES:
        shutil.copy(os.path.join(out_dir, "models", "roberta", name), directory)


def padded(rows, pad):
    """Right-padded ids and their mask."""
    n = max(len(row) for row in rows)
    ids = torch.tensor([row + [pad] * (n - len(row)) for row in rows])
    mask = torch.tensor([[1] * len(row) + [0] * (n - len(row)) for row in rows])
    return ids, mask


def build_bart(out_dir):
    model = BartForConditionalGeneration(BartConfig(**CONFIG))
    randomise(model)
    directory = os.path.join(out_dir, "models", "bart")
    os.makedirs(directory, exist_ok=True)
    copy_roberta_tokenizer(out_dir, directory)
    reloaded = save_and_reload(model, BartForConditionalGeneration, directory)
    tokenizer = AutoTokenizer.from_pretrained(directory)
    inputs = tokenizer(INPUT_TEXTS, padding=True, return_tensors="pt")
    labels = tokenizer(TARGET_TEXTS, padding=True, return_tensors="pt")
    targets = labels.input_ids.masked_fill(labels.attention_mask == 0, -100)
    decoder_input_ids = shift_tokens_right(targets, CONFIG["pad_token_id"], CONFIG["decoder_start_token_id"])
    forced = {"forced_bos_token_id": CONFIG["forced_bos_token_id"], "forced_eos_token_id": CONFIG["forced_eos_token_id"]}
    return reloaded, directory, (inputs.input_ids, inputs.attention_mask, targets, decoder_input_ids), {}, forced


def build_mbart(out_dir):
    """mBART with RoBERTa's tokenizer and two language codes added (500, 501), batches framed
    as MBartTokenizer frames them: `tokens </s> lang`."""
    model = MBartForConditionalGeneration(MBartConfig(**MBART_CONFIG))
    randomise(model)
    directory = os.path.join(out_dir, "models", "mbart")
    os.makedirs(directory, exist_ok=True)
    copy_roberta_tokenizer(out_dir, directory)
    tokenizer = AutoTokenizer.from_pretrained(directory)
    tokenizer.add_special_tokens({"additional_special_tokens": MBART_LANGS})
    tokenizer.save_pretrained(directory)
    reloaded = save_and_reload(model, MBartForConditionalGeneration, directory)
    codes = tokenizer.convert_tokens_to_ids(MBART_LANGS)
    assert codes == [500, 501], codes
    eos, pad = CONFIG["eos_token_id"], CONFIG["pad_token_id"]

    def framed(texts, code):
        return [tokenizer(text, add_special_tokens=False).input_ids + [eos, code] for text in texts]

    input_ids, attention_mask = padded(framed(INPUT_TEXTS, codes[0]), pad)
    labels, label_mask = padded(framed(TARGET_TEXTS, codes[1]), pad)
    targets = labels.masked_fill(label_mask == 0, -100)
    decoder_input_ids = mbart_shift_tokens_right(targets.clone(), pad)
    extra = {"languages": dict(zip(MBART_LANGS, codes))}
    forced = {"forced_eos_token_id": eos}
    return reloaded, directory, (input_ids, attention_mask, targets, decoder_input_ids), extra, forced


def marian_vocab(spm_protos):
    """`vocab.json` as OPUS-MT orders it: `</s>`, `<unk>`, the source pieces, the target pieces
    the source lacks, `<pad>` last."""
    vocab = {"</s>": 0, "<unk>": 1}
    for proto in spm_protos:
        for piece in proto.pieces:
            if piece.type == 1 and piece.piece not in vocab:  # NORMAL pieces only
                vocab[piece.piece] = len(vocab)
    vocab["<pad>"] = len(vocab)
    return vocab


def build_marian(out_dir, sdist_dir):
    from convert_marian_tokenizer import check, convert
    from sentencepiece import sentencepiece_model_pb2
    from transformers import MarianTokenizer

    directory = os.path.join(out_dir, "models", "marian")
    os.makedirs(directory, exist_ok=True)
    fetch_spm(sdist_dir)
    protos = []
    with tarfile.open(os.path.join(sdist_dir, SDIST)) as sdist:
        for name, member in MARIAN_SPM.items():
            data = sdist.extractfile(member).read()
            with open(os.path.join(directory, name), "wb") as f:
                f.write(data)
            proto = sentencepiece_model_pb2.ModelProto()
            proto.ParseFromString(data)
            protos.append(proto)
    vocab = marian_vocab(protos)
    with open(os.path.join(directory, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump(vocab, f, ensure_ascii=False)
    MarianTokenizer(
        os.path.join(directory, "source.spm"), os.path.join(directory, "target.spm"), os.path.join(directory, "vocab.json")
    ).save_pretrained(directory)
    convert(directory)
    checked = check(directory, INPUT_TEXTS + MARIAN_TARGETS + ["Unseen: ÆØÅ ☃", "  spaced   out  "])
    config = marian_config(vocab)
    model = MarianMTModel(MarianConfig(**config))
    randomise(model)
    reloaded = save_and_reload(model, MarianMTModel, directory)
    positions = reloaded.model.encoder.embed_positions
    assert torch.equal(positions.weight, positions.create_weight()), "positions not the sinusoids"
    tokenizer = MarianTokenizer.from_pretrained(directory)
    inputs = tokenizer(INPUT_TEXTS, padding=True, return_tensors="pt")
    labels = tokenizer(text_target=MARIAN_TARGETS, padding=True, return_tensors="pt")
    targets = labels.input_ids.masked_fill(labels.attention_mask == 0, -100)
    decoder_input_ids = shift_tokens_right(targets, config["pad_token_id"], config["decoder_start_token_id"])
    extra = {
        "texts": {"input_text": INPUT_TEXTS, "target_text": MARIAN_TARGETS},
        "tokenizer_checked_texts": checked,
    }
    forced = {"forced_eos_token_id": config["forced_eos_token_id"]}
    return reloaded, directory, (inputs.input_ids, inputs.attention_mask, targets, decoder_input_ids), extra, forced


def reference(model, batch, grad_params):
    input_ids, attention_mask, labels, decoder_input_ids = batch
    model.zero_grad(set_to_none=True)
    out = model(input_ids=input_ids, attention_mask=attention_mask, labels=labels)
    out.loss.backward()
    params = dict(model.named_parameters())
    ids = sorted(set(input_ids.reshape(-1).tolist()) | set(labels.clamp(min=0).reshape(-1).tolist()))
    shared = params["model.shared.weight"].grad
    return {
        "texts": {"input_text": INPUT_TEXTS, "target_text": TARGET_TEXTS},
        "batch": {
            "input_ids": input_ids.tolist(),
            "attention_mask": attention_mask.tolist(),
            "labels": labels.tolist(),
            "decoder_input_ids": decoder_input_ids.tolist(),
        },
        "encoder_hidden": tensor_json(out.encoder_last_hidden_state),
        "logits": tensor_json(out.logits),
        "loss": float(out.loss.item()),
        "grads": {name: tensor_json(params[name].grad) for name in grad_params},
        "table_grads": {"model.shared.weight": table_grad(shared, ids)},
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="fixtures")
    args = parser.parse_args()
    torch.set_num_threads(1)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    sdist_dir = os.path.join(root, "target", "t5-fixtures")
    variants = [
        (lambda: build_bart(args.out), GRAD_PARAMS),
        (lambda: build_mbart(args.out), MBART_GRAD_PARAMS),
        (lambda: build_marian(args.out, sdist_dir), MARIAN_GRAD_PARAMS),
    ]
    for build, grad_params in variants:
        model, directory, batch, extra, forced = build()
        config = model.config
        generated = generate_cases(model, batch[0], batch[1], config.eos_token_id, config.pad_token_id, forced)
        result = dict(reference(model, batch, grad_params), generate=generated, **extra)
        with open(os.path.join(directory, "reference.json"), "w") as f:
            json.dump(result, f)
            f.write("\n")
        print(f"{directory}: written")
    write_readme_section(args.out, README_SECTION)


if __name__ == "__main__":
    main()
