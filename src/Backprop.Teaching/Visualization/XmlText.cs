using System.Text;

namespace Backprop.Teaching.Visualization;

/// <summary>Escapes text for XML, SVG, HTML and Graphviz HTML-like labels.</summary>
internal static class XmlText
{
    /// <summary>
    /// Escapes markup characters for use in element content and quoted attributes. Characters XML forbids
    /// (most control characters) become U+FFFD so that any user text still yields a well-formed document.
    /// </summary>
    public static string Escape(string text)
    {
        var builder = new StringBuilder(text.Length + 8);
        foreach (char c in text)
        {
            switch (c)
            {
                case '&': builder.Append("&amp;"); break;
                case '<': builder.Append("&lt;"); break;
                case '>': builder.Append("&gt;"); break;
                case '"': builder.Append("&quot;"); break;
                // Numeric form: Graphviz's HTML-like labels do not know &apos;.
                case '\'': builder.Append("&#39;"); break;
                case '\t' or '\n' or '\r': builder.Append(c); break;
                case < ' ' or '\uFFFE' or '\uFFFF': builder.Append('\uFFFD'); break;
                default: builder.Append(c); break;
            }
        }
        return builder.ToString();
    }
}
