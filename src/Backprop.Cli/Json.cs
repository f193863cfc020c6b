using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Backprop.Cli;

/// <summary>
/// JSON output of the commands, written with <see cref="Utf8JsonWriter"/> only (no reflection, AOT-safe; no string
/// concatenation). JSON has no NaN or infinity: a non-finite number is written as <c>null</c> (docs/cli.md).
/// </summary>
public static class Json
{
    /// <summary>Writer options shared by the commands: non-ASCII kept readable; indented for the documents of explain and solve.</summary>
    public static JsonWriterOptions WriterOptions(bool indented = true) => new() { Indented = indented, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Writes one JSON object on one line (JSON Lines): <paramref name="properties"/> fills it.</summary>
    public static void WriteLine(TextWriter output, Action<Utf8JsonWriter> properties) =>
        output.WriteLine(Document(w =>
        {
            w.WriteStartObject();
            properties(w);
            w.WriteEndObject();
        }, indented: false));

    /// <summary>The text <paramref name="write"/> produces (one complete JSON value).</summary>
    public static string Document(Action<Utf8JsonWriter> write, bool indented)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, WriterOptions(indented)))
            write(w);
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>
    /// The "kernels" object of `bench --json` and `train --json`: the GEMM and convolution kernels in use
    /// (<see cref="Backprop.Kernels.KernelSelection"/>), so a slow build can be told from a slow machine.
    /// </summary>
    public static void Kernels(Utf8JsonWriter w)
    {
        w.WriteStartObject("kernels");
        w.WriteString("gemm", Backprop.Kernels.KernelSelection.Gemm);
        w.WriteString("conv2d", Backprop.Kernels.KernelSelection.Conv2d);
        w.WriteEndObject();
    }

    /// <summary>A number property in full double precision, or null when it is not finite (or absent).</summary>
    public static void Number(Utf8JsonWriter w, string name, double? value)
    {
        w.WritePropertyName(name);
        NumberValue(w, value);
    }

    /// <summary>A number in full double precision, or null when it is not finite (or absent).</summary>
    public static void NumberValue(Utf8JsonWriter w, double? value)
    {
        if (value is { } v && double.IsFinite(v)) w.WriteNumberValue(v);
        else w.WriteNullValue();
    }
}
