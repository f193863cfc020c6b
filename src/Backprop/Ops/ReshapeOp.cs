namespace Backprop.Ops;

/// <summary>The same elements in another shape (a view when the input is contiguous); the gradient is reshaped back.</summary>
internal sealed class ReshapeOp : Node
{
    private int[] _inputShape = [];
    public override string Name => "reshape";

    public static Tensor Apply(Tensor x, int[] shape)
    {
        if (x.Batched is not null) return BatchingRules.Reshape(x, shape);
        var y = x.ContiguousData().ViewData(shape);
        return Autograd.ShouldRecord(x) ? Record(y, new ReshapeOp { _inputShape = x.ShapeArray }, x) : y;
    }

    /// <summary>Resolves one −1 in a requested shape and checks the element count.</summary>
    internal static int[] Resolve(string op, int[] inputShape, int[] requested)
    {
        var shape = (int[])requested.Clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < shape.Length; i++)
        {
            if (shape[i] == -1)
            {
                if (infer >= 0) throw new ArgumentException($"{op}: only one size may be -1, got {Shapes.Format(requested)}");
                infer = i;
            }
            else if (shape[i] < 0) throw new ArgumentException($"{op}: invalid size {shape[i]} in {Shapes.Format(requested)}");
            else known *= shape[i];
        }
        int numel = Shapes.Numel(inputShape);
        if (infer >= 0)
        {
            if (known == 0 || numel % known != 0)
                throw new ArgumentException($"{op}: cannot reshape {Shapes.Format(inputShape)} ({numel} elements) into {Shapes.Format(requested)}");
            shape[infer] = (int)(numel / known);
        }
        else if (known != numel)
        {
            throw new ArgumentException($"{op}: cannot reshape {Shapes.Format(inputShape)} ({numel} elements) into {Shapes.Format(requested)} ({known} elements)");
        }
        return shape;
    }

    internal override void Backward(Tensor g, Span<Tensor?> dx) => dx[0] = g.ContiguousData().ViewData(_inputShape);

    internal override void RecordedBackward(Tensor g, Span<Tensor?> dx) => dx[0] = g.Reshape(_inputShape);
}
