using System.Globalization;
using System.Text;

namespace Backprop.Cli;

/// <summary>
/// Makes text from the user or from a file safe to echo on a terminal: control characters (an escape sequence could
/// recolour or clear the screen, a carriage return could hide the message) are written as <c>\n</c>, <c>\t</c>,
/// <c>\r</c> or <c>\xNN</c> / <c>\uNNNN</c>.
/// </summary>
public static class Printable
{
    /// <summary>The text with every control character escaped (line feeds kept when <paramref name="keepNewlines"/>).</summary>
    public static string Escape(string text, bool keepNewlines)
    {
        int first = 0;
        while (first < text.Length && !NeedsEscape(text[first], keepNewlines)) first++;
        if (first == text.Length) return text;
        var sb = new StringBuilder(text.Length + 16).Append(text, 0, first);
        foreach (char c in text.AsSpan(first))
        {
            if (!NeedsEscape(c, keepNewlines)) sb.Append(c);
            else if (c == '\n') sb.Append("\\n");
            else if (c == '\r') sb.Append("\\r");
            else if (c == '\t') sb.Append("\\t");
            else if (c <= 0xff) sb.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
            else sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }

    // C0 and C1 controls, DEL, and the bidirectional overrides that can reorder what a terminal shows.
    private static bool NeedsEscape(char c, bool keepNewlines) =>
        (c == '\n' ? !keepNewlines : char.IsControl(c)) || c is >= '\u202a' and <= '\u202e' or >= '\u2066' and <= '\u2069';
}
