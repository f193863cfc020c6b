using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Backprop.Cli;

/// <summary>Small JSON writing aids for the commands' machine-readable output (no reflection, AOT-safe).</summary>
public static class Json
{
    /// <summary>A JSON string literal.</summary>
    public static string Quote(string s) => JsonSerializer.Serialize(s, JsonContext.Default.String);

    /// <summary>A number in full double precision (non-finite values become null, which JSON can carry).</summary>
    public static string Number(double v) => double.IsFinite(v) ? v.ToString("R", CultureInfo.InvariantCulture) : "null";

    /// <summary>Writer options shared by the commands: indented, non-ASCII kept readable.</summary>
    public static JsonWriterOptions WriterOptions(bool indented = true) => new() { Indented = indented, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}

[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
internal sealed partial class JsonContext : System.Text.Json.Serialization.JsonSerializerContext;
