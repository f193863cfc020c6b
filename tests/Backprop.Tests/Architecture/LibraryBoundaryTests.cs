using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using Backprop.Cli;
using Backprop.Datasets;
using Backprop.Teaching.Visualization;

namespace Backprop.Tests.Architecture;

/// <summary>
/// <c>Backprop.dll</c> is only the engine: nothing of the teaching side (expression language, explain/solve
/// traces, graph pictures, Graphviz), of the command line (commands, the gradcheck case catalogue) or of the
/// bundled data sets (the embedded digits). Each detector is also run on an assembly that does hold such
/// things, to show it would notice them.
/// </summary>
public class LibraryBoundaryTests
{
    private static readonly Assembly Library = typeof(Tensor).Assembly;
    private static readonly Assembly Teaching = typeof(GraphSvg).Assembly;
    private static readonly Assembly CommandLine = typeof(GradCheckSuite).Assembly;
    private static readonly Assembly Datasets = typeof(Digits).Assembly;
    private static readonly Assembly[] FrontEnds = [Teaching, CommandLine, Datasets];

    // Namespaces that belong outside the library, including the ones these features had before they moved out.
    private static readonly string[] ForeignNamespaces =
        ["Backprop.Teaching", "Backprop.Cli", "Backprop.Datasets", "Backprop.Expressions", "Backprop.Visualization"];

    [Fact]
    public void Library_references_none_of_the_front_end_assemblies()
    {
        var referenced = Library.GetReferencedAssemblies().Select(a => a.Name).ToList();
        foreach (var frontEnd in FrontEnds)
            Assert.DoesNotContain(frontEnd.GetName().Name, referenced);
        Assert.Contains(Library.GetName().Name, CommandLine.GetReferencedAssemblies().Select(a => a.Name)); // the detector sees references
    }

    [Fact]
    public void Library_holds_no_type_of_the_teaching_or_command_line_side()
    {
        Assert.Empty(ForeignTypes(Library));
        foreach (var frontEnd in FrontEnds)
            Assert.NotEmpty(ForeignTypes(frontEnd));
    }

    [Fact]
    public void Library_holds_neither_the_gradcheck_catalogue_nor_the_expression_language_nor_graph_pictures()
    {
        // By name as well, in case one of them came back under a library namespace.
        string[] names = ["GradCheckSuite", "GradCheckCase", "Parser", "Lexer", "ProgramEvaluator", "Solver",
            "GraphSvg", "GraphDot", "GraphHtml", "GraphPicture", "GraphvizRunner", "CurvesSvg", "Digits"];
        var found = NamedTypes(Library).Where(t => names.Contains(t.Name)).Select(t => t.FullName).ToList();
        Assert.True(found.Count == 0, $"Backprop.dll holds {string.Join(", ", found)}");
        // The detector on the assemblies that do hold them.
        Assert.Contains(NamedTypes(CommandLine), t => t.Name == "GradCheckSuite");
        Assert.Contains(NamedTypes(Teaching), t => t.Name == "GraphSvg");
    }

    [Fact]
    public void Library_never_starts_a_process()
    {
        Assert.Empty(ProcessStartCalls(Library));
        Assert.NotEmpty(ProcessStartCalls(Teaching)); // Graphviz's dot is run from the teaching side
    }

    [Fact]
    public void Library_embeds_no_data_set()
    {
        Assert.Empty(DataResources(Library));
        Assert.Equal([Digits.ResourceName], DataResources(Datasets)); // the digits live in Backprop.Datasets
    }

    /// <summary>Embedded resources that look like a data set: the digits, or CSV / gzip / IDX files.</summary>
    private static List<string> DataResources(Assembly assembly) =>
        assembly.GetManifestResourceNames()
            .Where(name => name.Contains("digits", StringComparison.OrdinalIgnoreCase)
                           || new[] { ".csv", ".gz", "-ubyte" }.Any(end => name.EndsWith(end, StringComparison.OrdinalIgnoreCase)))
            .ToList();

    /// <summary>Types of <paramref name="assembly"/> in a foreign namespace, or named like a type of a front end.</summary>
    private static List<string> ForeignTypes(Assembly assembly)
    {
        var frontEndNames = FrontEnds.Where(a => a != assembly).SelectMany(NamedTypes).Select(t => t.Name).ToHashSet();
        return NamedTypes(assembly)
            .Where(t => ForeignNamespaces.Any(ns => t.Namespace == ns || (t.Namespace ?? "").StartsWith(ns + ".", StringComparison.Ordinal))
                        || (assembly == Library && frontEndNames.Contains(t.Name)))
            .Select(t => t.FullName!)
            .ToList();
    }

    /// <summary>Top-level types written in the source (not the compiler's closures, state machines, or file-local helpers).</summary>
    private static IEnumerable<Type> NamedTypes(Assembly assembly) =>
        assembly.GetTypes().Where(t => !t.IsNested && !t.Name.Contains('<') && t.Namespace is not null
            && t.Namespace.StartsWith("Backprop", StringComparison.Ordinal));

    /// <summary>The assembly's references to System.Diagnostics.Process.Start, from its metadata.</summary>
    private static List<string> ProcessStartCalls(Assembly assembly)
    {
        using var file = File.OpenRead(assembly.Location);
        using var pe = new PEReader(file);
        var metadata = pe.GetMetadataReader();
        var calls = new List<string>();
        foreach (var handle in metadata.MemberReferences)
        {
            var member = metadata.GetMemberReference(handle);
            if (member.Parent.Kind != HandleKind.TypeReference)
                continue;
            var type = metadata.GetTypeReference((TypeReferenceHandle)member.Parent);
            if (metadata.GetString(type.Namespace) == "System.Diagnostics" && metadata.GetString(type.Name) == "Process"
                && metadata.GetString(member.Name) == "Start")
                calls.Add($"{assembly.GetName().Name}: Process.Start");
        }
        return calls;
    }
}
