"""CAM++ speaker embedding network as a ``pyannote.audio`` model.

CAM++ (Wang et al. 2023, "CAM++: A Fast and Efficient Network for Speaker Verification Using
Context-Aware Masking", arXiv 2303.00332): a 2-D convolutional front-end (FCM) over 80-dim Kaldi
fbank, then a densely connected TDNN whose layers are gated by context-aware masks, statistics
pooling and a 192-dim projection.

Parameter names follow the 3D-Speaker release (``head.*``, ``xvector.*``) so its plain state_dict
(``campplus_cn_en_common.pt``) loads with ``strict=True``. As a :class:`pyannote.audio.Model` with
``forward(waveforms, weights=None)``, pyannote's inference machinery (``Inference``,
``SpeakerDiarization``) runs it like its own embedding models: ``weights`` weight the frames in
statistics pooling, which is how a local speaker's embedding is taken from a mixed window.
"""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path

import torch
import torch.nn.functional as F
from pyannote.audio import Model
from pyannote.audio.models.blocks.pooling import StatsPool
from torch import nn
from torchaudio.compliance import kaldi

EMBEDDING_DIM = 192
NUM_MEL_BINS = 80


def _nonlinear(config: str, channels: int) -> nn.Sequential:
    """``batchnorm-relu`` style activation stacks, named as in 3D-Speaker."""
    layers = nn.Sequential()
    for name in config.split("-"):
        if name == "relu":
            layers.add_module("relu", nn.ReLU(inplace=True))
        elif name == "batchnorm":
            layers.add_module("batchnorm", nn.BatchNorm1d(channels))
        elif name == "batchnorm_":
            layers.add_module("batchnorm", nn.BatchNorm1d(channels, affine=False))
        else:
            raise ValueError(f"unknown nonlinearity {name!r}")
    return layers


class _ResBlock(nn.Module):
    """2-D residual block that downsamples the frequency axis only."""

    def __init__(self, in_planes: int, planes: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride=(stride, 1), padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut = nn.Sequential()
        if stride != 1 or in_planes != planes:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_planes, planes, 1, stride=(stride, 1), bias=False), nn.BatchNorm2d(planes)
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class FCM(nn.Module):
    """Front-end convolution module: (batch, mels, frames) -> (batch, 32 * mels / 8, frames)."""

    def __init__(self, channels: int = 32, feat_dim: int = NUM_MEL_BINS) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, channels, 3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.layer1 = nn.Sequential(_ResBlock(channels, channels, 2), _ResBlock(channels, channels, 1))
        self.layer2 = nn.Sequential(_ResBlock(channels, channels, 2), _ResBlock(channels, channels, 1))
        self.conv2 = nn.Conv2d(channels, channels, 3, stride=(2, 1), padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)
        self.out_channels = channels * (feat_dim // 8)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.bn1(self.conv1(x.unsqueeze(1))))
        out = self.layer2(self.layer1(out))
        out = F.relu(self.bn2(self.conv2(out)))
        batch, channels, freq, frames = out.shape
        return out.reshape(batch, channels * freq, frames)


class TDNNLayer(nn.Module):
    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1) -> None:
        super().__init__()
        padding = (kernel_size - 1) // 2
        self.linear = nn.Conv1d(
            in_channels, out_channels, kernel_size, stride=stride, padding=padding, bias=False
        )
        self.nonlinear = _nonlinear("batchnorm-relu", out_channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.nonlinear(self.linear(x))


class CAMLayer(nn.Module):
    """Context-aware masking: a local TDNN output gated by utterance- and segment-level context."""

    SEGMENT_FRAMES = 100

    def __init__(self, bn_channels: int, out_channels: int, kernel_size: int, dilation: int) -> None:
        super().__init__()
        padding = (kernel_size - 1) // 2 * dilation
        self.linear_local = nn.Conv1d(
            bn_channels, out_channels, kernel_size, padding=padding, dilation=dilation, bias=False
        )
        self.linear1 = nn.Conv1d(bn_channels, bn_channels // 2, 1)
        self.relu = nn.ReLU(inplace=True)
        self.linear2 = nn.Conv1d(bn_channels // 2, out_channels, 1)
        self.sigmoid = nn.Sigmoid()

    def _segment_pooling(self, x: torch.Tensor) -> torch.Tensor:
        seg = F.avg_pool1d(x, kernel_size=self.SEGMENT_FRAMES, stride=self.SEGMENT_FRAMES, ceil_mode=True)
        seg = seg.repeat_interleave(self.SEGMENT_FRAMES, dim=-1)
        return seg[..., : x.shape[-1]]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        local = self.linear_local(x)
        context = x.mean(-1, keepdim=True) + self._segment_pooling(x)
        mask = self.sigmoid(self.linear2(self.relu(self.linear1(context))))
        return local * mask


class CAMDenseTDNNLayer(nn.Module):
    def __init__(
        self, in_channels: int, out_channels: int, bn_channels: int, kernel_size: int, dilation: int
    ):
        super().__init__()
        self.nonlinear1 = _nonlinear("batchnorm-relu", in_channels)
        self.linear1 = nn.Conv1d(in_channels, bn_channels, 1, bias=False)
        self.nonlinear2 = _nonlinear("batchnorm-relu", bn_channels)
        self.cam_layer = CAMLayer(bn_channels, out_channels, kernel_size, dilation)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.cam_layer(self.nonlinear2(self.linear1(self.nonlinear1(x))))


class CAMDenseTDNNBlock(nn.ModuleList):
    """Dense block: each layer sees the concatenation of the block input and all earlier outputs."""

    def __init__(self, num_layers: int, in_channels: int, growth: int, bn_channels: int, dilation: int):
        super().__init__()
        for i in range(num_layers):
            layer = CAMDenseTDNNLayer(in_channels + i * growth, growth, bn_channels, 3, dilation)
            self.add_module(f"tdnnd{i + 1}", layer)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self:
            x = torch.cat([x, layer(x)], dim=1)
        return x


class TransitLayer(nn.Module):
    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.nonlinear = _nonlinear("batchnorm-relu", in_channels)
        self.linear = nn.Conv1d(in_channels, out_channels, 1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(self.nonlinear(x))


class DenseLayer(nn.Module):
    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.linear = nn.Conv1d(in_channels, out_channels, 1, bias=False)
        self.nonlinear = _nonlinear("batchnorm_", out_channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.nonlinear(self.linear(x.unsqueeze(-1)).squeeze(-1))


class CAMPPlus(Model):
    """CAM++ speaker embedding model (192-dim) taking 16 kHz waveforms.

    ``forward(waveforms (batch, 1, samples), weights (batch, frames) | (batch, speakers, frames))``
    returns ``(batch, 192)`` or ``(batch, speakers, 192)`` embeddings, unnormalised.
    """

    def __init__(
        self,
        sample_rate: int = 16000,
        num_channels: int = 1,
        embedding_size: int = EMBEDDING_DIM,
        growth_rate: int = 32,
        bn_size: int = 4,
        init_channels: int = 128,
        task=None,
    ) -> None:
        super().__init__(sample_rate=sample_rate, num_channels=num_channels, task=task)
        self.save_hyperparameters("embedding_size", "growth_rate", "bn_size", "init_channels")
        self.head = FCM(feat_dim=NUM_MEL_BINS)
        channels = self.head.out_channels
        self.xvector = nn.Sequential(OrderedDict([("tdnn", TDNNLayer(channels, init_channels, 5, stride=2))]))
        channels = init_channels
        for i, (num_layers, dilation) in enumerate(zip((12, 24, 16), (1, 2, 2), strict=True)):
            block = CAMDenseTDNNBlock(num_layers, channels, growth_rate, bn_size * growth_rate, dilation)
            self.xvector.add_module(f"block{i + 1}", block)
            channels += num_layers * growth_rate
            self.xvector.add_module(f"transit{i + 1}", TransitLayer(channels, channels // 2))
            channels //= 2
        self.xvector.add_module("out_nonlinear", _nonlinear("batchnorm-relu", channels))
        self.xvector.add_module("stats", StatsPool())
        self.xvector.add_module("dense", DenseLayer(channels * 2, embedding_size))

    @property
    def dimension(self) -> int:
        return self.hparams.embedding_size

    def compute_fbank(self, waveforms: torch.Tensor) -> torch.Tensor:
        """(batch, 1, samples) in [-1, 1] -> mean-normalised (batch, frames, 80) Kaldi fbank."""
        feats = torch.stack(
            [
                kaldi.fbank(
                    w, num_mel_bins=NUM_MEL_BINS, sample_frequency=self.hparams.sample_rate, dither=0.0
                )
                for w in waveforms
            ]
        )
        return feats - feats.mean(dim=1, keepdim=True)

    def num_frames(self, num_samples: int) -> int:
        """Frames entering statistics pooling for ``num_samples`` input samples."""
        fbank_frames = 1 + (num_samples - 400) // 160 if num_samples >= 400 else 0
        return (fbank_frames + 1) // 2  # the first TDNN layer has stride 2

    def forward(self, waveforms: torch.Tensor, weights: torch.Tensor | None = None) -> torch.Tensor:
        features = self.head(self.compute_fbank(waveforms).permute(0, 2, 1))
        for name, layer in self.xvector.named_children():
            if name == "stats":
                features = layer(features, weights=weights)
            elif name == "dense" and features.dim() == 3:  # (batch, speakers, stats)
                batch, speakers, stats = features.shape
                features = layer(features.reshape(batch * speakers, stats)).reshape(batch, speakers, -1)
            else:
                features = layer(features)
        return features

    @classmethod
    def from_state_dict_file(cls, path: str | Path) -> CAMPPlus:
        """Build the network and load 3D-Speaker weights, requiring every key to match."""
        model = cls()
        state = torch.load(str(path), map_location="cpu", weights_only=True)
        model.load_state_dict(state, strict=True)
        model.eval()
        return model
