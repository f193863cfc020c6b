namespace Backprop.NN;

/// <summary>
/// Inverted dropout: in training each element is zeroed with probability p and the survivors are scaled by 1/(1 − p),
/// so the expected value is unchanged and evaluation is the identity. Masks come from the layer's own generator
/// (forked from the one given), so a model's dropout is reproducible and independent of other draws.
/// </summary>
public sealed class Dropout : Module
{
    /// <summary>Creates the layer.</summary>
    public Dropout(double probability, Generator generator)
    {
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
        var mask = Tensor.Zeros(input.ShapeArray, input.DType);
        if (Probability < 1)
        {
            double scale = 1.0 / (1.0 - Probability);
            if (mask.DType == DType.Float32)
            {
                var m = mask.Span<float>();
                float s = (float)scale;
                for (int i = 0; i < m.Length; i++) m[i] = Generator.NextDouble() < Probability ? 0f : s;
            }
            else
            {
                var m = mask.Span<double>();
                for (int i = 0; i < m.Length; i++) m[i] = Generator.NextDouble() < Probability ? 0.0 : scale;
            }
        }
        return input * mask;
    }

    /// <inheritdoc/>
    public override string Describe() => $"Dropout(p={Probability.ToString(System.Globalization.CultureInfo.InvariantCulture)})";
}
