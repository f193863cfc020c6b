using System.Globalization;
using System.Text;

namespace Backprop;

/// <summary>
/// Prints tensors as PyTorch does: nested brackets, one number format shared by all elements, long axes cut to
/// their first and last three entries with "...", then the shape, dtype and graph facts.
/// </summary>
internal static class TensorFormatter
{
    private const int Threshold = 1000; // PyTorch's default: larger tensors are summarised
    private const int EdgeItems = 3;

    public static string Format(Tensor t)
    {
        var sb = new StringBuilder("tensor(");
        bool summarise = t.Numel > Threshold;
        var values = t.ToDoubleArray();
        var style = ChooseStyle(values, t.DType);
        int width = 0;
        foreach (double v in values) width = Math.Max(width, FormatNumber(v, style).Length);
        if (t.Rank == 0) sb.Append(FormatNumber(values[0], style));
        // Continuation rows line up under the first row's bracket: "tensor(" is 7 characters, then one per open bracket.
        else AppendAxis(sb, t, values, 0, 0, summarise, style, width, indent: 7);
        sb.Append(", shape=").Append(Shapes.Format(t.ShapeArray));
        sb.Append(", dtype=").Append(t.DType.Name());
        if (t.GradFn is not null) sb.Append(", grad_fn=<").Append(t.GradFn.Name).Append('>');
        else if (t.RequiresGrad) sb.Append(", requires_grad=True");
        return sb.Append(')').ToString();
    }

    private enum Style { Integer, Int32, Fixed, Scientific }

    private static Style ChooseStyle(double[] values, DType dtype)
    {
        if (dtype == DType.Int32) return Style.Int32;
        bool integral = true;
        double maxAbs = 0, minAbs = double.MaxValue;
        foreach (double v in values)
        {
            if (!double.IsFinite(v)) continue;
            if (v != Math.Floor(v)) integral = false;
            double a = Math.Abs(v);
            maxAbs = Math.Max(maxAbs, a);
            if (a > 0) minAbs = Math.Min(minAbs, a);
        }
        if (integral && maxAbs < 1e8) return Style.Integer;
        if (maxAbs >= 1e8 || (minAbs < 1e-4 && minAbs != double.MaxValue) || (minAbs != double.MaxValue && maxAbs / minAbs > 1e3 && maxAbs > 1e3))
            return Style.Scientific;
        return Style.Fixed;
    }

    private static string FormatNumber(double v, Style style)
    {
        if (double.IsNaN(v)) return "nan";
        if (double.IsPositiveInfinity(v)) return "inf";
        if (double.IsNegativeInfinity(v)) return "-inf";
        return style switch
        {
            Style.Int32 => ((long)v).ToString(CultureInfo.InvariantCulture),
            Style.Integer => ((long)v).ToString(CultureInfo.InvariantCulture) + ".",
            Style.Fixed => v.ToString("0.0000", CultureInfo.InvariantCulture),
            _ => v.ToString("0.0000e+00", CultureInfo.InvariantCulture),
        };
    }

    private static void AppendAxis(StringBuilder sb, Tensor t, double[] values, int axis, int offset, bool summarise, Style style, int width, int indent)
    {
        int size = t.ShapeArray[axis];
        int stride = 1;
        for (int i = axis + 1; i < t.Rank; i++) stride *= t.ShapeArray[i];
        sb.Append('[');
        bool cut = summarise && size > 2 * EdgeItems;
        for (int i = 0; i < size; i++)
        {
            if (cut && i == EdgeItems)
            {
                // PyTorch's elided entry is "..." joined like any other entry: " ..." within a row (two spaces
                // before it), and between sub-tensors the same separator as theirs (blank lines for rank >= 3).
                if (axis == t.Rank - 1) sb.Append(" ..., ");
                else sb.Append("...,").Append('\n', t.Rank - 1 - axis).Append(' ', indent + axis + 1);
                i = size - EdgeItems;
            }
            if (axis == t.Rank - 1) sb.Append(FormatNumber(values[offset + i], style).PadLeft(width));
            else AppendAxis(sb, t, values, axis + 1, offset + i * stride, summarise, style, width, indent);
            if (i < size - 1)
            {
                sb.Append(',');
                if (axis == t.Rank - 1) sb.Append(' ');
                else sb.Append('\n', t.Rank - 1 - axis).Append(' ', indent + axis + 1);
            }
        }
        sb.Append(']');
    }
}
