using System.Numerics.Tensors;

namespace Backprop.Optim;

/// <summary>Rescaling of gradients before an optimizer step.</summary>
public static class GradientClipping
{
    /// <summary>
    /// Computes the global L2 norm of all gradients, ‖g‖ = √Σ‖gᵢ‖², and when it exceeds <paramref name="maxNorm"/>
    /// scales every gradient by maxNorm / (‖g‖ + 1e-6), as PyTorch's clip_grad_norm_. Parameters without a gradient are
    /// skipped. Returns the norm before clipping.
    /// </summary>
    public static double ClipByGlobalNorm(IReadOnlyList<Tensor> parameters, double maxNorm)
    {
        if (!(maxNorm > 0)) throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "ClipByGlobalNorm: the maximum norm must be positive");
        double sumSquares = 0;
        for (int i = 0; i < parameters.Count; i++)
        {
            var g = parameters[i].Grad;
            if (g is null) continue;
            double n = Norm(g);
            sumSquares += n * n;
        }
        double total = Math.Sqrt(sumSquares);
        double coefficient = maxNorm / (total + 1e-6);
        if (coefficient < 1)
        {
            for (int i = 0; i < parameters.Count; i++)
            {
                var g = parameters[i].Grad;
                if (g is null) continue;
                if (!g.IsContiguous) throw new InvalidOperationException("ClipByGlobalNorm: gradients must be contiguous");
                g.MarkWritten("ClipByGlobalNorm");
                if (g.DType == DType.Float32) TensorPrimitives.Multiply(g.Span<float>(), (float)coefficient, g.Span<float>());
                else TensorPrimitives.Multiply(g.Span<double>(), coefficient, g.Span<double>());
            }
        }
        return total;
    }

    private static double Norm(Tensor g)
    {
        var c = g.ContiguousData();
        return c.DType == DType.Float32 ? TensorPrimitives.Norm<float>(c.Span<float>()) : TensorPrimitives.Norm<double>(c.Span<double>());
    }
}
