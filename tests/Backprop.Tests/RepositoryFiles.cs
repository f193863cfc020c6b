namespace Backprop.Tests;

/// <summary>Files of the source tree (fixtures, samples, tools), found from the tests' output directory.</summary>
internal static class RepositoryFiles
{
    private static readonly Lazy<string> RootDirectory = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Backprop.slnx"))) return dir.FullName;
        throw new InvalidOperationException($"no Backprop.slnx above {AppContext.BaseDirectory}");
    });

    /// <summary>The repository's root directory (the one holding Backprop.slnx).</summary>
    public static string Root => RootDirectory.Value;

    /// <summary>The full path of <paramref name="relative"/> (a path from the root, '/'-separated); it must exist.</summary>
    public static string Path(string relative)
    {
        var path = System.IO.Path.Combine(Root, relative);
        return File.Exists(path) || Directory.Exists(path) ? path : throw new FileNotFoundException($"{relative} not found under {Root}");
    }
}
