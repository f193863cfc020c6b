using System.Globalization;
using System.Text;

namespace Backprop.NN;

/// <summary>
/// A model architecture written as text, so a checkpoint can name the model it holds and rebuild it:
/// <list type="bullet">
/// <item><c>linear</c> — one Linear layer (softmax regression);</item>
/// <item><c>mlp:256,128</c> — Linear layers of those hidden sizes with ReLU between;</item>
/// <item><c>cnn</c> — conv3×3(C→32, pad 1)-ReLU-maxpool2-conv3×3(32→64, pad 1)-ReLU-maxpool2-flatten-fc(64·⌊H/4⌋·⌊W/4⌋→128)-ReLU-fc(128→classes);</item>
/// </list>
/// with optional suffixes for mlp and cnn: <c>+bn</c> (batch norm before each hidden ReLU) and <c>+dropout:0.2</c>
/// (dropout after each hidden ReLU of an mlp; before the last layer of a cnn). Image inputs [C, H, W] to linear and mlp
/// are flattened by a leading Flatten layer (so their first Linear is layer 1, not 0).
/// </summary>
public sealed class ModelSpec
{
    /// <summary>The forms <see cref="Parse"/> accepts, for messages.</summary>
    public const string ValidForms = "'linear', 'mlp:H1,H2,...' (hidden sizes, e.g. 'mlp:256,128'), 'cnn'; mlp and cnn may add '+bn' and/or '+dropout:P' (0 ≤ P < 1)";

    private ModelSpec(string architecture, int[] hiddenSizes, bool batchNorm, double dropout)
    {
        (Architecture, _hiddenSizes, BatchNorm, Dropout) = (architecture, hiddenSizes, batchNorm, dropout);
        var sb = new StringBuilder(architecture);
        if (architecture == "mlp") sb.Append(':').Append(string.Join(",", hiddenSizes));
        if (batchNorm) sb.Append("+bn");
        if (dropout > 0) sb.Append("+dropout:").Append(dropout.ToString("R", CultureInfo.InvariantCulture));
        Text = sb.ToString();
    }

    private readonly int[] _hiddenSizes;

    /// <summary>"linear", "mlp" or "cnn".</summary>
    public string Architecture { get; }
    /// <summary>The hidden layer sizes of an mlp (empty otherwise).</summary>
    public IReadOnlyList<int> HiddenSizes => _hiddenSizes;
    /// <summary>Whether batch norm follows each hidden linear or conv layer.</summary>
    public bool BatchNorm { get; }
    /// <summary>The dropout probability (0: none).</summary>
    public double Dropout { get; }
    /// <summary>The canonical text, which <see cref="Parse"/> reads back to an equal spec.</summary>
    public string Text { get; }

    /// <summary>Parses a spec (case-insensitive, spaces ignored); throws <see cref="ArgumentException"/> naming the spec and the valid forms.</summary>
    public static ModelSpec Parse(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var parts = spec.Replace(" ", "", StringComparison.Ordinal).ToLowerInvariant().Split('+');
        string head = parts[0];
        string architecture;
        int[] hidden = [];
        if (head is "linear" or "cnn")
        {
            architecture = head;
        }
        else if (head.StartsWith("mlp:", StringComparison.Ordinal))
        {
            architecture = "mlp";
            var sizes = head[4..].Split(',');
            hidden = new int[sizes.Length];
            for (int i = 0; i < sizes.Length; i++)
                if (!int.TryParse(sizes[i], NumberStyles.None, CultureInfo.InvariantCulture, out hidden[i]) || hidden[i] <= 0)
                    throw Invalid(spec, $"'{sizes[i]}' is not a positive hidden size");
        }
        else
        {
            throw Invalid(spec, head == "mlp" ? "mlp needs hidden sizes, e.g. 'mlp:256,128'" : $"unknown architecture '{head}'");
        }

        bool bn = false;
        double dropout = 0;
        for (int i = 1; i < parts.Length; i++)
        {
            string part = parts[i];
            if (part == "bn" && !bn) bn = true;
            else if (part.StartsWith("dropout:", StringComparison.Ordinal) && dropout == 0
                && double.TryParse(part[8..], NumberStyles.Float, CultureInfo.InvariantCulture, out dropout) && dropout >= 0 && dropout < 1) { }
            else throw Invalid(spec, $"'+{part}' is not a valid or repeated option");
        }
        if (architecture == "linear" && (bn || dropout > 0))
            throw Invalid(spec, "linear takes no '+bn' or '+dropout' options");
        return new ModelSpec(architecture, hidden, bn, dropout);
    }

    private static ArgumentException Invalid(string spec, string why) =>
        new($"model spec '{spec}' is not valid: {why}. Valid forms: {ValidForms}");

    /// <summary>
    /// Builds the model for samples of <paramref name="sampleShape"/> (without the batch axis: [features] or [C, H, W])
    /// and <paramref name="numClasses"/> outputs, drawing every initial value from <paramref name="generator"/> in layer order.
    /// </summary>
    public Sequential Build(int[] sampleShape, int numClasses, Generator generator, DType dtype = DType.Float32)
    {
        if (sampleShape.Length == 0 || Array.Exists(sampleShape, d => d <= 0))
            throw new ArgumentException($"model '{Text}': the sample shape {Shapes.Format(sampleShape)} must be non-empty with positive sizes");
        if (numClasses <= 0) throw new ArgumentException($"model '{Text}': the number of classes must be positive, got {numClasses}");
        var model = new Sequential();
        if (Architecture == "cnn")
        {
            BuildCnn(model, sampleShape, numClasses, generator, dtype);
            return model;
        }
        if (sampleShape.Length > 1) model.Add(new Flatten());
        int features = Shapes.Numel(sampleShape);
        foreach (int h in _hiddenSizes)
        {
            model.Add(new Linear(features, h, generator, dtype: dtype));
            if (BatchNorm) model.Add(new BatchNorm1d(h, dtype: dtype));
            model.Add(new ReLU());
            if (Dropout > 0) model.Add(new Dropout(Dropout, generator));
            features = h;
        }
        model.Add(new Linear(features, numClasses, generator, dtype: dtype));
        return model;
    }

    /// <summary>
    /// The number of values in the state dict <see cref="Build"/> would make (parameters and buffers), computed without
    /// building anything, so a size read from an untrusted file can be checked before any allocation. Saturates at
    /// <see cref="long.MaxValue"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The sample shape or class count is not valid for this spec.</exception>
    public long StateSize(int[] sampleShape, int numClasses)
    {
        ArgumentNullException.ThrowIfNull(sampleShape);
        if (sampleShape.Length == 0 || Array.Exists(sampleShape, d => d <= 0))
            throw new ArgumentException($"model '{Text}': the sample shape {Shapes.Format(sampleShape)} must be non-empty with positive sizes");
        if (numClasses <= 0) throw new ArgumentException($"model '{Text}': the number of classes must be positive, got {numClasses}");
        try
        {
            checked
            {
                // Batch norm holds weight, bias, running mean and running variance per feature, and one step count.
                long Norm(long features) => BatchNorm ? 4 * features + 1 : 0;
                long Dense(long inputs, long outputs) => inputs * outputs + outputs;
                if (Architecture == "cnn")
                {
                    if (sampleShape.Length != 3 || sampleShape[1] < 4 || sampleShape[2] < 4)
                        throw new ArgumentException($"model 'cnn' needs image samples [channels, height, width] of at least 4×4, got {Shapes.Format(sampleShape)}");
                    return Dense(sampleShape[0] * 9L, 32) + Norm(32) + Dense(32 * 9, 64) + Norm(64)
                        + Dense(64L * (sampleShape[1] / 4) * (sampleShape[2] / 4), 128) + Dense(128, numClasses);
                }
                long total = 0, features = 1;
                foreach (int d in sampleShape) features *= d;
                foreach (int h in _hiddenSizes)
                {
                    total += Dense(features, h) + Norm(h);
                    features = h;
                }
                return total + Dense(features, numClasses);
            }
        }
        catch (OverflowException)
        {
            return long.MaxValue;
        }
    }

    private void BuildCnn(Sequential model, int[] s, int numClasses, Generator generator, DType dtype)
    {
        if (s.Length != 3 || s[1] < 4 || s[2] < 4)
            throw new ArgumentException($"model 'cnn' needs image samples [channels, height, width] of at least 4×4, got {Shapes.Format(s)}");
        model.Add(new Conv2d(s[0], 32, 3, generator, padding: 1, dtype: dtype));
        if (BatchNorm) model.Add(new BatchNorm2d(32, dtype: dtype));
        model.Add(new ReLU());
        model.Add(new MaxPool2d(2));
        model.Add(new Conv2d(32, 64, 3, generator, padding: 1, dtype: dtype));
        if (BatchNorm) model.Add(new BatchNorm2d(64, dtype: dtype));
        model.Add(new ReLU());
        model.Add(new MaxPool2d(2));
        model.Add(new Flatten());
        model.Add(new Linear(64 * (s[1] / 4) * (s[2] / 4), 128, generator, dtype: dtype));
        model.Add(new ReLU());
        if (Dropout > 0) model.Add(new Dropout(Dropout, generator));
        model.Add(new Linear(128, numClasses, generator, dtype: dtype));
    }

    /// <inheritdoc/>
    public override string ToString() => Text;
}
