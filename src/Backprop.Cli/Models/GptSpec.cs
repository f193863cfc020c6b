using System.Globalization;

namespace Backprop.Cli.Models;

/// <summary>
/// The text of <c>--model gpt:layers=4,heads=4,embed=128,block=64</c>: <c>gpt</c> alone is that default (nanoGPT's
/// shakespeare_char), and any of the four settings may be given, in any order. The vocabulary comes from the data.
/// </summary>
public static class GptSpec
{
    private static readonly string[] Keys = ["layers", "heads", "embed", "block"];

    /// <summary>Whether <paramref name="spec"/> names a GPT (<c>gpt</c> or <c>gpt:...</c>).</summary>
    public static bool Names(string? spec) => spec is not null && (spec == "gpt" || spec.StartsWith("gpt:", StringComparison.Ordinal));

    /// <summary>The configuration <paramref name="spec"/> describes for <paramref name="vocabulary"/> characters; a bad spec throws <see cref="UsageException"/> naming the part.</summary>
    public static GptConfig Parse(string spec, int vocabulary)
    {
        if (!Names(spec)) throw new UsageException($"--model '{spec}' is not a GPT spec; expected gpt or gpt:layers=L,heads=H,embed=C,block=T");
        var values = new Dictionary<string, int> { ["layers"] = 4, ["heads"] = 4, ["embed"] = 128, ["block"] = 64 };
        var seen = new HashSet<string>();
        if (spec.Length > 4)
            foreach (var part in spec[4..].Split(','))
            {
                int eq = part.IndexOf('=');
                string key = eq < 0 ? part : part[..eq];
                if (!Keys.Contains(key))
                    throw new UsageException($"--model {spec}: unknown setting '{key}'; expected layers, heads, embed and block as key=value (gpt:layers=4,heads=4,embed=128,block=64)");
                if (eq < 0 || !int.TryParse(part[(eq + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int value) || value < 1 || value > 1 << 16)
                    throw new UsageException($"--model {spec}: {key} needs a whole number from 1 to 65536, got '{(eq < 0 ? "" : part[(eq + 1)..])}'");
                if (!seen.Add(key)) throw new UsageException($"--model {spec}: {key} is given twice");
                values[key] = value;
            }
        if (values["embed"] % values["heads"] != 0)
            throw new UsageException($"--model {spec}: embed ({values["embed"]}) must be a multiple of heads ({values["heads"]})");
        return new GptConfig(vocabulary, values["block"], values["layers"], values["heads"], values["embed"]);
    }

    /// <summary>The canonical text of <paramref name="config"/> (every setting written), as checkpoints store it.</summary>
    public static string Format(GptConfig config) =>
        string.Create(CultureInfo.InvariantCulture, $"gpt:layers={config.Layers},heads={config.Heads},embed={config.Embed},block={config.BlockSize}");
}
