namespace Backprop.NN;

/// <summary>Batch normalisation of [N, C, H, W] inputs per channel (see <see cref="BatchNorm"/>).</summary>
public sealed class BatchNorm2d : BatchNorm
{
    /// <summary>Creates the layer with γ = 1, β = 0, running mean 0 and running variance 1 (PyTorch's defaults).</summary>
    public BatchNorm2d(int features, double eps = 1e-5, double momentum = 0.1, bool affine = true, DType dtype = DType.Float32)
        : base(features, 4, eps, momentum, affine, dtype) { }

    private protected override bool AcceptsRank(int rank) => rank == 4;
}
