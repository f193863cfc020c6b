using System.Text;

namespace Backprop.Teaching.Expressions;

/// <summary>Rows of text cells printed with aligned columns: the tables of the explain and solve reports.</summary>
internal sealed class TextTable(params bool[] rightAligned)
{
    private readonly List<string[]> _rows = [];

    public void Add(params string[] cells) => _rows.Add(cells);

    /// <summary>Appends every row, each starting with <paramref name="indent"/>, columns two spaces apart, no trailing spaces.</summary>
    public void WriteTo(StringBuilder output, string indent = "  ")
    {
        int columns = _rows.Count == 0 ? 0 : _rows.Max(row => row.Length);
        var widths = new int[columns];
        foreach (string[] row in _rows)
            for (int c = 0; c < row.Length; c++)
                widths[c] = Math.Max(widths[c], row[c].Length);
        foreach (string[] row in _rows)
        {
            var line = new StringBuilder(indent);
            for (int c = 0; c < row.Length; c++)
            {
                if (c > 0) line.Append("  ");
                bool right = c < rightAligned.Length && rightAligned[c];
                line.Append(right ? row[c].PadLeft(widths[c]) : row[c].PadRight(widths[c]));
            }
            output.Append(line.ToString().TrimEnd()).Append('\n');
        }
    }
}
