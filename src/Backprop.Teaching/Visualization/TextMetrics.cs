namespace Backprop.Teaching.Visualization;

/// <summary>
/// Estimates how wide text will be in a sans-serif font. There are no font files to measure with in a
/// pure-managed library, so this errs on the wide side: a label a little too roomy is better than an overlap.
/// </summary>
internal static class TextMetrics
{
    public static double Width(string text, double fontSize, bool bold = false)
    {
        double ems = 0;
        foreach (char c in text)
        {
            ems += c switch
            {
                'i' or 'l' or 'j' or '.' or ',' or ':' or ';' or '\'' or '|' or '!' => 0.3,
                ' ' or 'f' or 't' or 'r' or '(' or ')' or '[' or ']' or '-' => 0.38,
                'm' or 'w' or 'M' or 'W' or '@' or '%' => 0.9,
                >= 'A' and <= 'Z' => 0.7,
                _ => 0.6,
            };
        }
        return ems * fontSize * (bold ? 1.07 : 1.0);
    }
}
