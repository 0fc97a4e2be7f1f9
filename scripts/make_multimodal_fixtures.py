#!/usr/bin/env python3
"""Tiny random torchvision ResNets, an MMBT-style image + text classifier in plain torch, and
torchvision's image transforms on real PNG and JPEG files, for the st-models image-encoder and
st-multimodal parity tests.

Usage:
    python scripts/make_multimodal_fixtures.py [--out fixtures] [--emoji target/emoji]

Needs the emoji of scripts/fetch_emoji.py (run it first) for the images. Writes (torch 2.15.0,
torchvision 0.29.2, transformers 5.23.0, Pillow 12; CPU, float32, one thread):

  models/resnet-basic/       torchvision's ResNet with BasicBlock, layers [2, 1, 1, 1], widths
  models/resnet-bottleneck/  [4, 8, 8, 16] (stem 4) / Bottleneck, layers [1, 2, 1, 1], widths
                             [2, 4, 4, 8] (stem 4): torchvision's own modules and `_make_layer`,
                             narrower than its 64..512 so that the fixture stays small; 5
                             classes; every BatchNorm given random weight, bias and running
                             statistics. model.safetensors (torchvision's state_dict names),
                             config.json (ours: block, layers, widths, stem_width, num_classes)
                             and reference.json: the input [2, 3, 48, 48]; `eval`: the logits in
                             eval mode and the gradients of sum(logits * w) (w recorded);
                             `train`: the same in train mode, and every BatchNorm's running
                             statistics after that one forward pass
  multimodal/images/         real files: two emoji PNGs (RGBA), one converted to grey (L) by
                             Pillow, one composited on white and saved as a 96x64 JPEG
  multimodal/transforms.json for every image, torchvision's Resize(s) + CenterCrop(c) +
                             ToTensor + Normalize (Simple Transformers' mean and std) on the
                             Pillow image converted to RGB, for (s, c) = (80, 72) (enlarging, as
                             the emoji are at 256/224) and (40, 32) (shrinking): the tensors
                             rounded to 5 decimals; and at Python's (256, 224) a 16 x 16 grid of
                             pixels per channel and the per-channel means
  multimodal/mmbt/           MMBTForClassification as transformers' last MMBT implementation
                             builds it (written out below): models/bert as the text encoder
                             (dropout 0), models/resnet-basic's layers as the image encoder
                             pooled to num_image_embeds 3, 3 labels. Saved as st-multimodal
                             saves: model.safetensors with the state_dict's names (the modal
                             embeddings' shared tables only under mmbt.transformer.embeddings),
                             config.json (BERT's, plus architectures, num_image_embeds,
                             modal_hidden_size, image_encoder), the tokenizer; reference.json:
                             Simple Transformers' own JsonlDataset + collate_fn on two texts
                             (max_seq_length 10), random images [2, 3, 48, 48]; logits in eval
                             and train mode, the cross-entropy and BCE-with-pos_weight losses,
                             and the train-mode gradients of the cross-entropy (the key biases'
                             left out: zero in truth, rounding noise in PyTorch)
"""

import argparse
import json
import os
import shutil
import sys

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402
import torchvision  # noqa: E402
from make_t5_fixtures import table_grad, tensor_json, write_readme_section  # noqa: E402
from PIL import Image  # noqa: E402
from safetensors.torch import save_file  # noqa: E402
from torch import nn  # noqa: E402
from torchvision import transforms  # noqa: E402
from torchvision.models.resnet import BasicBlock, Bottleneck, ResNet  # noqa: E402
from transformers import BertModel  # noqa: E402

README_SECTION = """## models/resnet-*/ and multimodal/

Made by `scripts/make_multimodal_fixtures.py` (its docstring lists every field): two tiny
random torchvision ResNets (basic blocks and bottlenecks, narrow widths), their eval- and
train-mode outputs, gradients and BatchNorm running statistics; torchvision's image transforms
on real emoji PNGs (RGBA, grey) and a JPEG; and an MMBT-style classifier in plain torch (the
tiny BERT + the basic ResNet) with its logits, losses and gradients, and Simple Transformers'
own JsonlDataset output on two samples.
"""

SIMPLE_TRANSFORMERS_MEAN = [0.46777044, 0.44531429, 0.40661017]
SIMPLE_TRANSFORMERS_STD = [0.12221994, 0.12145835, 0.14380469]
POOLING_BREAKDOWN = {1: (1, 1), 2: (2, 1), 3: (3, 1), 4: (2, 2), 5: (5, 1), 6: (3, 2), 7: (7, 1), 8: (4, 2), 9: (3, 3)}


def narrow_resnet(block, layers, widths, stem, num_classes):
    """torchvision's ResNet with its own blocks and `_make_layer`, at narrower widths."""
    model = ResNet(block, [1, 1, 1, 1], num_classes=num_classes)
    model.inplanes = stem
    model.conv1 = nn.Conv2d(3, stem, kernel_size=7, stride=2, padding=3, bias=False)
    model.bn1 = nn.BatchNorm2d(stem)
    model.layer1 = model._make_layer(block, widths[0], layers[0])
    model.layer2 = model._make_layer(block, widths[1], layers[1], stride=2)
    model.layer3 = model._make_layer(block, widths[2], layers[2], stride=2)
    model.layer4 = model._make_layer(block, widths[3], layers[3], stride=2)
    model.fc = nn.Linear(widths[3] * block.expansion, num_classes)
    for m in model.modules():  # torchvision's own initialisation, then random norms
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
        elif isinstance(m, nn.BatchNorm2d):
            with torch.no_grad():
                m.weight.uniform_(0.5, 1.5)
                m.bias.normal_(0, 0.1)
                m.running_mean.normal_(0, 0.1)
                m.running_var.uniform_(0.5, 1.5)
    return model


def batch_norms(model):
    return {n: m for n, m in model.named_modules() if isinstance(m, nn.BatchNorm2d)}


def grads_of(model, loss):
    model.zero_grad()
    loss.backward()
    return {n: tensor_json(p.grad) for n, p in model.named_parameters()}


def resnet_fixture(out, name, block, layers, widths, stem):
    torch.manual_seed(17)
    model = narrow_resnet(block, layers, widths, stem, num_classes=5)
    directory = os.path.join(out, "models", name)
    os.makedirs(directory, exist_ok=True)
    state = {k: v.contiguous() for k, v in model.state_dict().items()}
    save_file(state, os.path.join(directory, "model.safetensors"), metadata={"format": "pt"})
    config = {
        "model_type": "resnet",
        "block": "basic" if block is BasicBlock else "bottleneck",
        "layers": layers,
        "widths": widths,
        "stem_width": stem,
        "num_classes": 5,
    }
    json.dump(config, open(os.path.join(directory, "config.json"), "w"), indent=2)

    x = torch.randn(2, 3, 48, 48)
    w = torch.randn(2, 5)
    reference = {"input": tensor_json(x), "weights": tensor_json(w)}
    model.eval()
    logits = model(x)
    reference["eval"] = {"logits": tensor_json(logits), "grads": grads_of(model, (logits * w).sum())}
    model.train()
    logits = model(x)
    reference["train"] = {
        "logits": tensor_json(logits),
        "grads": grads_of(model, (logits * w).sum()),
        "running": {
            n: {"mean": tensor_json(m.running_mean), "var": tensor_json(m.running_var)}
            for n, m in batch_norms(model).items()
        },
    }
    json.dump(reference, open(os.path.join(directory, "reference.json"), "w"))
    return model, config


def image_files(out, emoji):
    """Real image files: two emoji PNGs (RGBA), one in grey, one as a non-square JPEG."""
    directory = os.path.join(out, "multimodal", "images")
    os.makedirs(directory, exist_ok=True)
    for stem, name in (("1f600", "grinning.png"), ("1f33b", "sunflower.png")):
        source = os.path.join(emoji, f"{stem}.png")
        if not os.path.exists(source):
            raise SystemExit(f"{source} is missing: run scripts/fetch_emoji.py first")
        shutil.copy(source, os.path.join(directory, name))
    Image.open(os.path.join(directory, "sunflower.png")).convert("L").save(os.path.join(directory, "grey.png"))
    rgba = Image.open(os.path.join(directory, "grinning.png")).convert("RGBA")
    white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    photo = Image.alpha_composite(white, rgba).convert("RGB").resize((96, 64), Image.BILINEAR)
    photo.save(os.path.join(directory, "photo.jpg"), quality=90)
    return directory


def pipeline(size, crop):
    return transforms.Compose([
        transforms.Resize(size),
        transforms.CenterCrop(crop),
        transforms.ToTensor(),
        transforms.Normalize(mean=SIMPLE_TRANSFORMERS_MEAN, std=SIMPLE_TRANSFORMERS_STD),
    ])


def rounded(t):
    t = t.contiguous()
    return {"shape": list(t.shape), "data": [round(float(v), 5) for v in t.reshape(-1)]}


def transform_fixture(out, directory):
    grid = torch.linspace(0, 223, 16).round().long()
    cases = {}
    for name in sorted(f for f in os.listdir(directory) if os.path.isfile(os.path.join(directory, f))):
        image = Image.open(os.path.join(directory, name)).convert("RGB")
        full = pipeline(256, 224)(image)
        cases[name] = {
            "mode": Image.open(os.path.join(directory, name)).mode,
            "enlarge": rounded(pipeline(80, 72)(image)),
            "shrink": rounded(pipeline(40, 32)(image)),
            "default": {
                "grid": grid.tolist(),
                "pixels": rounded(full[:, grid][:, :, grid]),
                "means": [float(v) for v in full.mean(dim=(1, 2))],
            },
        }
    json.dump(cases, open(os.path.join(out, "multimodal", "transforms.json"), "w"))


class ImageEncoder(nn.Module):
    """Simple Transformers' ImageEncoder: the ResNet without pooling and fc, pooled to N."""

    def __init__(self, resnet, num_image_embeds):
        super().__init__()
        self.model = nn.Sequential(*list(resnet.children())[:-2])
        self.pool = nn.AdaptiveAvgPool2d(POOLING_BREAKDOWN[num_image_embeds])

    def forward(self, x):
        return self.pool(self.model(x)).flatten(start_dim=2).transpose(1, 2).contiguous()


class ModalEmbeddings(nn.Module):
    """transformers' MMBT ModalEmbeddings: image features projected into the text encoder's
    embedding space, framed by start and end tokens, with positions and segment 0, sharing the
    text encoder's tables and LayerNorm."""

    def __init__(self, config, encoder, embeddings, modal_hidden_size):
        super().__init__()
        self.encoder = encoder
        self.proj_embeddings = nn.Linear(modal_hidden_size, config.hidden_size)
        self.position_embeddings = embeddings.position_embeddings
        self.token_type_embeddings = embeddings.token_type_embeddings
        self.word_embeddings = embeddings.word_embeddings
        self.LayerNorm = embeddings.LayerNorm
        self.dropout = nn.Dropout(p=config.hidden_dropout_prob)

    def forward(self, input_modal, start_token, end_token):
        tokens = self.proj_embeddings(self.encoder(input_modal))
        tokens = torch.cat([self.word_embeddings(start_token).unsqueeze(1), tokens,
                            self.word_embeddings(end_token).unsqueeze(1)], dim=1)
        batch, length = tokens.shape[:2]
        positions = torch.arange(length).unsqueeze(0).expand(batch, length)
        types = torch.zeros((batch, length), dtype=torch.long)
        x = tokens + self.position_embeddings(positions) + self.token_type_embeddings(types)
        return self.dropout(self.LayerNorm(x))


class MMBTModel(nn.Module):
    """transformers' MMBTModel: modal embeddings, then the text (segment 1), one encoder."""

    def __init__(self, config, transformer, encoder, modal_hidden_size):
        super().__init__()
        self.transformer = transformer
        self.modal_encoder = ModalEmbeddings(config, encoder, transformer.embeddings, modal_hidden_size)

    def forward(self, input_modal, input_ids, modal_start_tokens, modal_end_tokens, attention_mask):
        modal = self.modal_encoder(input_modal, modal_start_tokens, modal_end_tokens)
        text = self.transformer.embeddings(input_ids=input_ids, token_type_ids=torch.ones_like(input_ids))
        x = torch.cat([modal, text], 1)
        mask = torch.cat([torch.ones(modal.shape[:2], dtype=torch.long), attention_mask], dim=1)
        extended = (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
        hidden = self.transformer.encoder(x, attention_mask=extended)[0]
        return hidden, self.transformer.pooler(hidden)


class MMBTForClassification(nn.Module):
    def __init__(self, config, transformer, encoder, modal_hidden_size, num_labels):
        super().__init__()
        self.mmbt = MMBTModel(config, transformer, encoder, modal_hidden_size)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)
        self.classifier = nn.Linear(config.hidden_size, num_labels)

    def forward(self, **inputs):
        return self.classifier(self.dropout(self.mmbt(**inputs)[1]))


def dataset_items(out, bert_dir, images):
    """Simple Transformers' own JsonlDataset and collate_fn on a two-sample directory."""
    from simpletransformers.classification.classification_utils import (
        JsonlDataset, collate_fn, get_image_transforms)
    from transformers import BertTokenizer

    # Inside images/, so that the images are in the data directory's parent, where
    # JsonlDataset looks for them.
    data = os.path.join(images, "samples")
    shutil.rmtree(data, ignore_errors=True)
    os.makedirs(data)
    samples = {
        "grinning": {"text": "A grinning face with big eyes and a wide open smile", "labels": "b"},
        "sunflower": {"text": "a sun", "labels": "c"},
    }
    for stem, sample in samples.items():
        json.dump(sample, open(os.path.join(data, f"{stem}.json"), "w"))
    tokenizer = BertTokenizer.from_pretrained(bert_dir)
    # As Python's load_and_cache_examples calls it: max_seq_length - num_image_embeds - 2.
    dataset = JsonlDataset(data, tokenizer, get_image_transforms(), ["a", "b", "c"], 10 - 3 - 2,
                           files_list=sorted(samples), image_path=None, data_type_extension=".json",
                           image_type_extension=".png")
    items = [dataset[i] for i in range(len(dataset))]
    text, mask, image, start, end, labels = collate_fn(items)
    grid = torch.linspace(0, 223, 16).round().long()
    return {
        "files_list": sorted(samples),
        "label_list": ["a", "b", "c"],
        "max_seq_length": 10,
        "num_image_embeds": 3,
        "input_ids": text.tolist(),
        "attention_mask": mask.tolist(),
        "modal_start_tokens": start.tolist(),
        "modal_end_tokens": end.tolist(),
        "labels": labels.tolist(),
        "image_grid": grid.tolist(),
        "image_pixels": rounded(image[:, :, grid][:, :, :, grid]),
    }


def mmbt_fixture(out, resnet, resnet_config):
    torch.manual_seed(23)
    bert_dir = os.path.join(out, "models", "bert")
    transformer = BertModel.from_pretrained(bert_dir, hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
    config = transformer.config
    modal_hidden = resnet_config["widths"][3] * (1 if resnet_config["block"] == "basic" else 4)
    model = MMBTForClassification(config, transformer, ImageEncoder(resnet, 3), modal_hidden, 3)
    directory = os.path.join(out, "multimodal", "mmbt")
    os.makedirs(directory, exist_ok=True)

    shared = ("mmbt.modal_encoder.position_embeddings.", "mmbt.modal_encoder.token_type_embeddings.",
              "mmbt.modal_encoder.word_embeddings.", "mmbt.modal_encoder.LayerNorm.")
    state = {k: v.contiguous() for k, v in model.state_dict().items() if not k.startswith(shared)}
    save_file(state, os.path.join(directory, "model.safetensors"), metadata={"format": "pt"})
    saved = json.load(open(os.path.join(bert_dir, "config.json")))
    saved.update({
        "architectures": ["MMBTForClassification"],
        "hidden_dropout_prob": 0.0,
        "attention_probs_dropout_prob": 0.0,
        "num_labels": 3,
        "id2label": {"0": "a", "1": "b", "2": "c"},
        "label2id": {"a": 0, "b": 1, "c": 2},
        "num_image_embeds": 3,
        "modal_hidden_size": modal_hidden,
        "image_encoder": resnet_config | {"num_classes": None},
    })
    json.dump(saved, open(os.path.join(directory, "config.json"), "w"), indent=2)
    for name in ("tokenizer.json", "tokenizer_config.json", "vocab.txt"):
        shutil.copy(os.path.join(bert_dir, name), os.path.join(directory, name))

    reference = {"dataset": dataset_items(out, bert_dir, os.path.join(out, "multimodal", "images"))}
    batch = reference["dataset"]
    inputs = {
        "input_modal": torch.randn(2, 3, 48, 48),
        "input_ids": torch.tensor(batch["input_ids"]),
        "modal_start_tokens": torch.tensor(batch["modal_start_tokens"]),
        "modal_end_tokens": torch.tensor(batch["modal_end_tokens"]),
        "attention_mask": torch.tensor(batch["attention_mask"]),
    }
    reference["input_modal"] = tensor_json(inputs["input_modal"])
    labels = torch.tensor([1, 2])
    multi_hot = torch.tensor([[1.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    pos_weight = torch.tensor([0.5, 2.0, 3.0])
    reference.update({"labels": labels.tolist(), "multi_hot": multi_hot.tolist(), "pos_weight": pos_weight.tolist()})
    model.eval()
    with torch.no_grad():
        reference["eval_logits"] = tensor_json(model(**inputs))
    model.train()
    logits = model(**inputs)
    reference["train_logits"] = tensor_json(logits)
    reference["bce_loss"] = float(nn.BCEWithLogitsLoss(pos_weight=pos_weight)(logits, multi_hot).detach())
    loss = nn.CrossEntropyLoss()(logits, labels)
    reference["ce_loss"] = float(loss.detach())
    model.zero_grad()
    loss.backward()
    # The key bias adds the same score to every key of a query, which the softmax ignores:
    # its true gradient is zero and PyTorch's is rounding noise, so it is not compared.
    grads = {n: tensor_json(p.grad) for n, p in model.named_parameters()
             if "word_embeddings" not in n and not n.endswith("attention.self.key.bias")}
    ids = sorted(set(sum(batch["input_ids"], [])) | set(batch["modal_start_tokens"]) | set(batch["modal_end_tokens"]))
    reference["word_embeddings_grad"] = table_grad(
        model.mmbt.transformer.embeddings.word_embeddings.weight.grad, ids)
    reference["grads"] = grads
    json.dump(reference, open(os.path.join(directory, "reference.json"), "w"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="fixtures")
    parser.add_argument("--emoji", default="target/emoji")
    args = parser.parse_args()
    torch.set_num_threads(1)

    basic, basic_config = resnet_fixture(args.out, "resnet-basic", BasicBlock, [2, 1, 1, 1], [4, 8, 8, 16], 4)
    resnet_fixture(args.out, "resnet-bottleneck", Bottleneck, [1, 2, 1, 1], [2, 4, 4, 8], 4)
    images = image_files(args.out, args.emoji)
    transform_fixture(args.out, images)
    # The MMBT fixture's image encoder is the basic ResNet as it stands after its fixture's
    # train-mode pass (running statistics moved on); its own model.safetensors records them.
    mmbt_fixture(args.out, basic, basic_config)
    write_readme_section(args.out, README_SECTION)
    print("wrote models/resnet-basic, models/resnet-bottleneck, multimodal/")


if __name__ == "__main__":
    main()
