using System.Numerics;
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
                g.ScaleInPlace(coefficient);
            }
        }
        return total;
    }

    private static double Norm(Tensor g)
    {
        var norm = new NormAction { Values = g.ContiguousData() };
        DTypeDispatch.Run(g.DType, ref norm);
        return norm.Result;
    }

    private struct NormAction : IDTypeAction
    {
        public Tensor Values;
        public double Result;

        public void Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T> => Result = double.CreateTruncating(TensorPrimitives.Norm<T>(Values.Span<T>()));
    }
}
