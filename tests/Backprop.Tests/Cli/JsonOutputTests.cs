using System.Text.Json;
using Backprop.Cli;

namespace Backprop.Tests.Cli;

// Every JSON the commands print is written by Utf8JsonWriter; JSON has no NaN or infinity, so those become null.
public class JsonOutputTests
{
    [Fact]
    public void NonFiniteNumbersBecomeNull()
    {
        var o = new StringWriter();
        Json.WriteLine(o, w =>
        {
            Json.Number(w, "inf", double.PositiveInfinity);
            Json.Number(w, "minus_inf", double.NegativeInfinity);
            Json.Number(w, "nan", double.NaN);
            Json.Number(w, "none", null);
            Json.Number(w, "third", 1.0 / 3);
        });
        Assert.Equal("{\"inf\":null,\"minus_inf\":null,\"nan\":null,\"none\":null,\"third\":0.3333333333333333}" + Environment.NewLine, o.ToString());
    }

    [Fact]
    public void GradCheckJsonLinesAreJson()
    {
        var stdout = new StringWriter();
        int code = CommandLine.Run(["gradcheck", "--op", "tanh", "--json"], stdout, new StringWriter());
        Assert.Equal(0, code);
        string[] lines = stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.NotEmpty(lines);
        foreach (string line in lines)
        {
            var root = JsonDocument.Parse(line).RootElement;
            Assert.Equal("tanh", root.GetProperty("operator").GetString());
            Assert.True(root.GetProperty("passed").GetBoolean());
            Assert.Equal(JsonValueKind.Number, root.GetProperty("max_abs_error").ValueKind);
        }
    }

    [Fact]
    public void NamesAndTextAreEscapedNotConcatenated()
    {
        var o = new StringWriter();
        Json.WriteLine(o, w => w.WriteString("name", "a \"quoted\" \\ name\n"));
        Assert.Equal("a \"quoted\" \\ name\n", JsonDocument.Parse(o.ToString()).RootElement.GetProperty("name").GetString());
    }
}
