namespace Backprop.Teaching.Expressions;

/// <summary>The catalogue of callable functions: spelling, meaning and number of arguments.</summary>
public static class BuiltinFunctions
{
    private static readonly (string Name, BuiltinFunction Function)[] Catalogue =
    [
        ("ln", BuiltinFunction.Ln),
        ("log", BuiltinFunction.Ln),
        ("exp", BuiltinFunction.Exp),
        ("sqrt", BuiltinFunction.Sqrt),
        ("abs", BuiltinFunction.Abs),
        ("tanh", BuiltinFunction.Tanh),
        ("sigmoid", BuiltinFunction.Sigmoid),
        ("relu", BuiltinFunction.Relu),
        ("max", BuiltinFunction.Max),
        ("min", BuiltinFunction.Min),
        ("pow", BuiltinFunction.Pow),
    ];

    /// <summary>Every accepted spelling, in the order shown to users ("ln, log, exp, ...").</summary>
    public static IReadOnlyList<string> KnownNames { get; } = Array.ConvertAll(Catalogue, entry => entry.Name);

    /// <summary>Looks up a function by its spelling (case-sensitive, like variable names).</summary>
    public static bool TryLookup(string name, out BuiltinFunction function)
    {
        foreach (var entry in Catalogue)
        {
            if (entry.Name == name)
            {
                function = entry.Function;
                return true;
            }
        }
        function = default;
        return false;
    }

    /// <summary>How many arguments <paramref name="function"/> takes.</summary>
    public static int Arity(BuiltinFunction function) => function switch
    {
        BuiltinFunction.Max or BuiltinFunction.Min or BuiltinFunction.Pow => 2,
        _ => 1,
    };
}
