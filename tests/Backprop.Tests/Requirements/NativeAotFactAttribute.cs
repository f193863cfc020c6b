namespace Backprop.Tests.Requirements;

/// <summary>
/// Where the NativeAOT binaries of tools/publish-aot.sh are: <c>BACKPROP_AOT_DIR</c>, else <c>artifacts/aot</c> in the
/// repository. Publishing takes minutes on two cores, so the tests never publish: .ci/run does, before the tests.
/// </summary>
internal static class NativeAot
{
    public static string Directory
    {
        get
        {
            if (Environment.GetEnvironmentVariable("BACKPROP_AOT_DIR") is { Length: > 0 } dir) return Path.GetFullPath(dir);
            for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
                if (File.Exists(Path.Combine(d.FullName, "Backprop.slnx"))) return Path.Combine(d.FullName, "artifacts", "aot");
            return Path.Combine(AppContext.BaseDirectory, "artifacts", "aot");
        }
    }

    /// <summary>The binary of one instruction-set level (x86-64-v4, x86-64-v3).</summary>
    public static string Binary(string level) => Path.Combine(Directory, level, "Backprop.Cli");

    /// <summary>The launcher that picks a level.</summary>
    public static string Launcher => Path.Combine(Directory, "backprop");

    /// <summary>The processor flags (Linux /proc/cpuinfo) a level needs, as tools/publish-aot.sh's launcher checks them.</summary>
    public static string[] RequiredFlags(string level) => level switch
    {
        "x86-64-v4" => ["avx512f", "avx512bw", "avx512cd", "avx512dq", "avx512vl"],
        "x86-64-v3" => ["avx", "avx2", "fma", "bmi1", "bmi2", "abm", "movbe"],
        _ => throw new ArgumentException($"unknown level '{level}'", nameof(level)),
    };

    public static bool ProcessorHas(string level)
    {
        const string cpuinfo = "/proc/cpuinfo";
        if (!File.Exists(cpuinfo)) return false;
        string? line = File.ReadLines(cpuinfo).FirstOrDefault(l => l.StartsWith("flags", StringComparison.Ordinal));
        if (line is null) return false;
        var flags = line[(line.IndexOf(':') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
        return RequiredFlags(level).All(flags.Contains);
    }

    /// <summary>Why a test of <paramref name="level"/>'s binary cannot run here, or null when it can.</summary>
    public static string? MissingReason(string level) =>
        !OperatingSystem.IsLinux() || System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture != System.Runtime.InteropServices.Architecture.X64
            ? "the NativeAOT binaries are published for linux-x64"
        : !File.Exists(Binary(level))
            ? $"no NativeAOT binary at {Binary(level)}: run tools/publish-aot.sh (needs the ILCompiler package and clang or gcc; .ci/run does it), or set BACKPROP_AOT_DIR"
        : !ProcessorHas(level)
            ? $"this processor lacks {string.Join(", ", RequiredFlags(level))}, which the {level} binary needs"
        : null;
}

/// <summary>A fact skipped, with the reason, where the NativeAOT binary of a level is not published or cannot run.</summary>
internal sealed class NativeAotFactAttribute : FactAttribute
{
    /// <summary>Skips the fact unless the <paramref name="level"/> binary is published and runs on this processor.</summary>
    public NativeAotFactAttribute(string level) => Skip ??= NativeAot.MissingReason(level);
}
