using System.Globalization;
using System.Text;

namespace Backprop.NN;

/// <summary>Renders <see cref="Module.Summary"/>: one row per layer with output shape and parameter count.</summary>
internal static class ModelSummary
{
    public static string Render(Module<Tensor, Tensor> model, int[] sampleShape)
    {
        var rows = new List<(string Layer, string Shape, long Params)>();
        var dtype = DType.Float32;
        foreach (var p in model.Parameters()) { dtype = p.DType; break; }
        var shape = new int[sampleShape.Length + 1];
        shape[0] = 1;
        sampleShape.CopyTo(shape, 1);
        var x = Tensor.Zeros(shape, dtype);

        // Evaluation mode so that a batch of one is valid for batch norm; the caller's mode is restored after.
        var modes = new List<(Module, bool)>();
        RememberModes(model, modes);
        model.Eval();
        try
        {
            using var _ = Autograd.NoGrad();
            // Only a Sequential is a chain of its children; any other module is one row, whatever its children do inside.
            if (model is not Sequential sequential)
            {
                x = model.Forward(x);
                rows.Add((model.Describe(), FormatShape(x), model.ParameterCount));
            }
            else
            {
                int nameWidth = 0;
                foreach (var (name, _) in model.Children) nameWidth = Math.Max(nameWidth, name.Length);
                for (int i = 0; i < sequential.Count; i++)
                {
                    var (name, child) = (model.Children[i].Key, sequential[i]);
                    x = child.Forward(x);
                    rows.Add(($"{name.PadRight(nameWidth)}  {child.Describe()}", FormatShape(x), child.ParameterCount));
                }
            }
        }
        finally
        {
            foreach (var (m, training) in modes) m.Train(training);
        }

        string h1 = "Layer", h2 = "Output shape", h3 = "Params";
        int w1 = h1.Length, w2 = h2.Length, w3 = h3.Length;
        foreach (var r in rows)
        {
            w1 = Math.Max(w1, r.Layer.Length);
            w2 = Math.Max(w2, r.Shape.Length);
            w3 = Math.Max(w3, Count(r.Params).Length);
        }
        string total = Count(model.ParameterCount);
        w3 = Math.Max(w3, total.Length);
        var sb = new StringBuilder();
        string rule = new('-', w1 + w2 + w3 + 4);
        sb.Append(h1.PadRight(w1)).Append("  ").Append(h2.PadRight(w2)).Append("  ").Append(h3.PadLeft(w3)).Append('\n');
        sb.Append(rule).Append('\n');
        foreach (var r in rows)
            sb.Append(r.Layer.PadRight(w1)).Append("  ").Append(r.Shape.PadRight(w2)).Append("  ").Append(Count(r.Params).PadLeft(w3)).Append('\n');
        sb.Append(rule).Append('\n');
        sb.Append("Total parameters".PadRight(w1 + w2 + 2)).Append("  ").Append(total.PadLeft(w3)).Append('\n');
        return sb.ToString();
    }

    // Train(bool) recurses into children, so restoring in this pre-order (parents first) gives each module its own mode back.
    private static void RememberModes(Module m, List<(Module, bool)> into)
    {
        into.Add((m, m.IsTraining));
        foreach (var c in m.Children) RememberModes(c.Value, into);
    }

    private static string FormatShape(Tensor t)
    {
        var s = t.Shape;
        if (s.Length == 0) return "[]";
        var parts = new string[s.Length];
        parts[0] = "-1";
        for (int i = 1; i < s.Length; i++) parts[i] = s[i].ToString(CultureInfo.InvariantCulture);
        return "[" + string.Join(", ", parts) + "]";
    }

    private static string Count(long n) => n.ToString("N0", CultureInfo.InvariantCulture);
}
