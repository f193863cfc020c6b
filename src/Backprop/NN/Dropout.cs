namespace Backprop.NN;

/// <summary>
/// Inverted dropout: in training each element is zeroed with probability p and the survivors are scaled by 1/(1 − p),
/// so the expected value is unchanged and evaluation is the identity. Masks come from the layer's own generator
/// (forked from the one given), so a model's dropout is reproducible and independent of other draws.
/// </summary>
public sealed class Dropout : Module<Tensor, Tensor>
{
    /// <summary>Creates the layer; its mask generator is forked from <paramref name="generator"/> (<see cref="Generator.Default"/> when null).</summary>
    public Dropout(double probability, Generator? generator = null)
    {
        generator ??= Generator.Default;
        if (!(probability >= 0 && probability <= 1))
            throw new ArgumentOutOfRangeException(nameof(probability), probability, "Dropout: probability must be in [0, 1]");
        Probability = probability;
        Generator = generator.Fork();
    }

    /// <summary>The probability of zeroing an element.</summary>
    public double Probability { get; }

    /// <summary>The generator the masks are drawn from (its state can be saved for an exact resume).</summary>
    public Generator Generator { get; }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        if (!IsTraining || Probability == 0) return input;
        if (!input.DType.IsFloatingPoint())
            throw new ArgumentException($"{Describe()}: expected a float32 or float64 tensor, got {input.DType.Name()}");
        var mask = Tensor.Zeros(input.ShapeArray, input.DType);
        if (Probability < 1)
        {
            var fill = new MaskAction { Mask = mask, Probability = Probability, Generator = Generator };
            DTypeDispatch.Run(mask.DType, ref fill);
        }
        return input * mask;
    }

    /// <inheritdoc/>
    public override string Describe() => $"Dropout(p={Probability.ToString(System.Globalization.CultureInfo.InvariantCulture)})";

    /// <summary>Draws one uniform number per element: 0 with the drop probability, else the scale 1/(1 − p).</summary>
    private struct MaskAction : IDTypeAction
    {
        public Tensor Mask;
        public double Probability;
        public Generator Generator;

        public readonly void Invoke<T>() where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        {
            var m = Mask.Span<T>();
            T scale = T.CreateTruncating(1.0 / (1.0 - Probability));
            for (int i = 0; i < m.Length; i++) m[i] = Generator.NextDouble() < Probability ? T.Zero : scale;
        }
    }
}
