"""The ADM linear noise schedule (T = 1000, beta 1e-4 .. 0.02) shared by training and evaluation."""
import numpy as np
import torch

T = 1000
BETA_START = 1e-4
BETA_END = 0.02


def linear_betas(timesteps: int = T, beta_start: float = BETA_START, beta_end: float = BETA_END) -> np.ndarray:
    """Betas as guided-diffusion's get_named_beta_schedule('linear') for T = 1000, in float64."""
    return np.linspace(beta_start, beta_end, timesteps, dtype=np.float64)


def alphas_cumprod(timesteps: int = T) -> np.ndarray:
    return np.cumprod(1.0 - linear_betas(timesteps))


def q_sample(x0: torch.Tensor, t: torch.Tensor, noise: torch.Tensor, abar: torch.Tensor) -> torch.Tensor:
    """x_t = sqrt(abar_t) x0 + sqrt(1 - abar_t) eps, with abar a float32 tensor of length T."""
    a = abar[t].view(-1, 1, 1, 1)
    return a.sqrt() * x0 + (1.0 - a).sqrt() * noise
