namespace Backprop.NN;

/// <summary>Batch normalisation of [N, C] or [N, C, L] inputs per channel (see <see cref="BatchNorm"/>).</summary>
public sealed class BatchNorm1d : BatchNorm
{
    /// <summary>Creates the layer with γ = 1, β = 0, running mean 0 and running variance 1 (PyTorch's defaults).</summary>
    public BatchNorm1d(int features, double eps = 1e-5, double momentum = 0.1, bool affine = true, DType dtype = DType.Float32)
        : base(features, 2, eps, momentum, affine, dtype) { }

    private protected override bool AcceptsRank(int rank) => rank is 2 or 3;
}
