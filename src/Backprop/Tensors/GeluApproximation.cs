namespace Backprop;

/// <summary>Which GELU <see cref="Tensor.Gelu(GeluApproximation)"/> computes (PyTorch's <c>approximate</c> argument).</summary>
public enum GeluApproximation
{
    /// <summary>The exact x·Φ(x) = ½x(1 + erf(x/√2)) (PyTorch's 'none', the default).</summary>
    None,
    /// <summary>½x(1 + tanh(√(2/π)(x + 0.044715x³))) (PyTorch's 'tanh', GPT-2's original).</summary>
    Tanh,
}
