using System.Numerics.Tensors;

namespace Backprop.Ops;

/// <summary>
/// Σᵢ ⟨aᵢ, bᵢ⟩ over pairs of tensors of equal shape and dtype, to a 0-d value, in one node: the scalar that a
/// Hessian-vector product differentiates, ⟨∂f/∂x, v⟩ over all the inputs. Its gradient is up·bᵢ for aᵢ and up·aᵢ for
/// bᵢ. One node instead of a product, a sum and an addition per pair: the forward allocates nothing, and the backward
/// scales each bᵢ once (a product's backward would multiply bᵢ by a broadcast view of the upstream gradient).
/// </summary>
internal sealed class InnerProductOp : Node
{
    private int _pairs;
    public override string Name => "inner_product";

    /// <summary>Whether the pairs can use this operator: same shapes, one floating-point dtype, no Vmap batch.</summary>
    public static bool Accepts(IReadOnlyList<Tensor> a, IReadOnlyList<Tensor> b)
    {
        if (a.Count == 0 || a.Count != b.Count) return false;
        var dtype = a[0].DType;
        if (!dtype.IsFloatingPoint()) return false;
        for (int i = 0; i < a.Count; i++)
            if (a[i].DType != dtype || b[i].DType != dtype || a[i].Batched is not null || b[i].Batched is not null
                || !Shapes.Equal(a[i].ShapeArray, b[i].ShapeArray))
                return false;
        return true;
    }

    public static Tensor Apply(Tensor[] a, Tensor[] b)
    {
        var dtype = a[0].DType;
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
        {
            // Contiguous copies only when needed; each pair's dot product is one SIMD pass in its own dtype.
            var (x, y) = (a[i].ContiguousData(), b[i].ContiguousData());
            sum += dtype == DType.Float32
                ? TensorPrimitives.Dot(x.Span<float>(), y.Span<float>())
                : TensorPrimitives.Dot(x.Span<double>(), y.Span<double>());
        }
        var result = Tensor.Full([], sum, dtype);
        Tensor[] inputs = [.. a, .. b];
        return Autograd.ShouldRecord(inputs) ? Record(result, new InnerProductOp { _pairs = a.Length }, inputs) : result;
    }

    internal override void Backward(Tensor g, Span<Tensor?> dx)
    {
        double up = g.Item();
        // At the seed 1 (a Hessian-vector product) the gradients are the other operands themselves — what the scaling
        // would copy exactly. The engine never writes into a gradient it is handed, it sums out of place.
        for (int i = 0; i < _pairs; i++)
        {
            if (Wants(i)) dx[i] = up == 1 ? Input(_pairs + i) : Input(_pairs + i) * up;
            if (Wants(_pairs + i)) dx[_pairs + i] = up == 1 ? Input(i) : Input(i) * up;
        }
    }

    // Written with recorded operators on the inputs themselves, so the gradient is differentiable again.
    internal override void RecordedBackward(Tensor g, Span<Tensor?> dx)
    {
        for (int i = 0; i < _pairs; i++)
        {
            if (Wants(i)) dx[i] = Input(_pairs + i) * g;
            if (Wants(_pairs + i)) dx[_pairs + i] = Input(i) * g;
        }
    }
}
