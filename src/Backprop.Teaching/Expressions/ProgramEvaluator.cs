using System.Globalization;

namespace Backprop.Teaching.Expressions;

/// <summary>
/// Runs a program forward by applying the engine's own <see cref="Tensor"/> operators to 0-d float64 tensors —
/// never a separate calculator — so its backward pass is exactly the one training uses.
/// Inputs require gradients; numbers in the text become constant tensors, so they appear as nodes of the graph.
/// </summary>
public static class ProgramEvaluator
{
    /// <summary>Evaluates <paramref name="program"/> at the given input values.</summary>
    /// <param name="program">A parsed program (<see cref="Parser.Parse"/>).</param>
    /// <param name="inputValues">A value for every input the output depends on; names that are not inputs are rejected.</param>
    /// <param name="outputName">
    /// Which value is the result: the last assignment to this name (or an input of that name). Null picks the last
    /// statement: its assigned name, or the final bare expression.
    /// </param>
    /// <exception cref="ProgramInputException">An input has no value, a value names a non-input, or the output name is unknown.</exception>
    /// <exception cref="ProgramDomainException">An operator was applied outside its domain (ln of a negative, division by zero, ...).</exception>
    public static EvaluatedProgram Evaluate(ProgramSyntax program, IReadOnlyDictionary<string, double> inputValues, string? outputName = null) =>
        EvaluatePerturbed(program, inputValues, outputName, perturbed: null);

    /// <summary>
    /// The same evaluation with <paramref name="perturbed"/>'s delta added to the value of one node (by its id) as it is
    /// made, so everything computed from it sees the changed value: a finite difference at any node of the graph.
    /// </summary>
    internal static EvaluatedProgram EvaluatePerturbed(ProgramSyntax program, IReadOnlyDictionary<string, double> inputValues, string? outputName,
        (int Node, double Delta)? perturbed)
    {
        ArgumentNullException.ThrowIfNull(program);
        ArgumentNullException.ThrowIfNull(inputValues);
        ProgramPlan plan = ProgramPlan.Create(program, outputName);
        CheckValues(program, plan, inputValues);
        var run = new Run(program, inputValues, perturbed);
        // Evaluating with gradient recording on is the point: the tensors carry the graph the explanation walks.
        foreach (int index in plan.Statements)
            run.Execute(program.Statements[index]);
        ProgramNode output = plan.OutputInput is { } inputName ? run.InputNode(inputName) : run.LastResult!;
        return new EvaluatedProgram(program, run.Nodes, output, plan.OutputName);
    }

    /// <summary>The inputs the chosen output depends on, in order of first use (what <c>--at</c> must give).</summary>
    public static IReadOnlyList<string> RequiredInputs(ProgramSyntax program, string? outputName = null)
    {
        ArgumentNullException.ThrowIfNull(program);
        return ProgramPlan.Create(program, outputName).Inputs;
    }

    private static void CheckValues(ProgramSyntax program, ProgramPlan plan, IReadOnlyDictionary<string, double> values)
    {
        var allInputs = ProgramResolver.Resolve(program).Inputs.ToHashSet(StringComparer.Ordinal);
        var assigned = program.Statements.OfType<Assignment>().Select(a => a.Name).ToHashSet(StringComparer.Ordinal);
        foreach ((string name, double value) in values)
        {
            if (!double.IsFinite(value))
                throw new ProgramInputException($"the value of '{name}' must be a finite number, got {value}");
            if (allInputs.Contains(name))
                continue;
            if (assigned.Contains(name))
                throw new ProgramInputException($"'{name}' is computed by the program, so it cannot be given a value");
            string known = allInputs.Count == 0 ? "the program has no inputs" : "its inputs are " + string.Join(", ", allInputs);
            throw new ProgramInputException($"the program has no input named '{name}'; {known}");
        }
        var missing = plan.Inputs.Where(name => !values.ContainsKey(name)).ToList();
        if (missing.Count > 0)
        {
            string noun = missing.Count == 1 ? "input" : "inputs";
            throw new ProgramInputException($"no value for {noun} {string.Join(", ", missing)}", missing);
        }
    }

    /// <summary>The state of one forward run: the names bound so far and the nodes made.</summary>
    private sealed class Run(ProgramSyntax program, IReadOnlyDictionary<string, double> inputValues, (int Node, double Delta)? perturbed)
    {
        private readonly ProgramText _text = new(program.Source);
        private readonly Dictionary<string, ProgramNode> _assigned = new(StringComparer.Ordinal);
        private readonly Dictionary<string, ProgramNode> _inputs = new(StringComparer.Ordinal);
        private readonly Dictionary<string, int> _versions = new(StringComparer.Ordinal);
        private Assignment? _current;
        private ProgramNode? _boundByCurrent;

        public List<ProgramNode> Nodes { get; } = [];

        public ProgramNode? LastResult { get; private set; }

        public void Execute(Statement statement)
        {
            switch (statement)
            {
                case Assignment assignment:
                    _current = assignment;
                    _boundByCurrent = null;
                    ProgramNode value = Evaluate(assignment.Value);
                    _current = null;
                    // An alias ("d = c") makes no new node; the name still counts, so a later "d = d + 1" reads as d'.
                    if (value.Name is null) value.Bind(assignment.Name, NextVersion(assignment.Name));
                    else if (value != _boundByCurrent) NextVersion(assignment.Name);
                    _assigned[assignment.Name] = value;
                    LastResult = value;
                    break;
                case OutputExpression bare:
                    LastResult = Evaluate(bare.Value);
                    break;
            }
        }

        public ProgramNode InputNode(string name, SourceSpan firstUse = default)
        {
            if (_inputs.TryGetValue(name, out ProgramNode? node))
                return node;
            var tensor = Tensor.Scalar(inputValues[name], requiresGrad: true);
            tensor.Name = name;
            node = Add(ProgramNodeKind.Input, "input", new NameReference(name, firstUse), tensor, []);
            node.Bind(name, NextVersion(name));
            _inputs[name] = node;
            return node;
        }

        private int NextVersion(string name) => _versions[name] = _versions.GetValueOrDefault(name) + 1;

        // Post-order with explicit stacks rather than recursion: a chain such as a + b + c + ... is a tree as deep as
        // it is long, and must not exhaust the call stack. Nodes are made in the order recursion would make them.
        private ProgramNode Evaluate(ExpressionNode expression)
        {
            var work = new Stack<(ExpressionNode Node, bool OperandsDone)>();
            var results = new Stack<ProgramNode>();
            work.Push((expression, false));
            while (work.Count > 0)
            {
                (ExpressionNode node, bool operandsDone) = work.Pop();
                if (operandsDone)
                {
                    results.Push(Combine(node, results));
                    continue;
                }
                switch (node)
                {
                    case NumberLiteral number:
                        results.Push(Add(ProgramNodeKind.Constant, "const", number, Tensor.Scalar(number.Value), []));
                        break;
                    case NameReference reference:
                        results.Push(_assigned.TryGetValue(reference.Name, out ProgramNode? bound) ? bound : InputNode(reference.Name, reference.Span));
                        break;
                    case UnaryExpression { Operator: UnaryOperator.Plus } plus:
                        work.Push((plus.Operand, false));
                        break;
                    case UnaryExpression negate:
                        work.Push((negate, true));
                        work.Push((negate.Operand, false));
                        break;
                    case BinaryExpression binary:
                        work.Push((binary, true));
                        work.Push((binary.Right, false));
                        work.Push((binary.Left, false));
                        break;
                    case FunctionCall call:
                        work.Push((call, true));
                        for (int i = call.Arguments.Count - 1; i >= 0; i--)
                            work.Push((call.Arguments[i], false));
                        break;
                    default:
                        throw new InvalidOperationException($"Unknown expression type {node.GetType().Name}.");
                }
            }
            return results.Pop();
        }

        // Applies an operator to the operand results on top of the stack (the last operand on top).
        private ProgramNode Combine(ExpressionNode node, Stack<ProgramNode> results)
        {
            switch (node)
            {
                case UnaryExpression negate:
                    ProgramNode operand = results.Pop();
                    return Add(ProgramNodeKind.Operation, "neg", negate, -operand.Tensor, [operand]);
                case BinaryExpression binary:
                    ProgramNode right = results.Pop();
                    return EvaluateBinary(binary, results.Pop(), right);
                case FunctionCall call:
                    var arguments = new ProgramNode[call.Arguments.Count];
                    for (int i = arguments.Length - 1; i >= 0; i--)
                        arguments[i] = results.Pop();
                    return EvaluateCall(call, arguments);
                default:
                    throw new InvalidOperationException($"Unknown expression type {node.GetType().Name}.");
            }
        }

        private ProgramNode EvaluateBinary(BinaryExpression binary, ProgramNode left, ProgramNode right)
        {
            Tensor a = left.Tensor, b = right.Tensor;
            Tensor result = binary.Operator switch
            {
                BinaryOperator.Add => a + b,
                BinaryOperator.Subtract => a - b,
                BinaryOperator.Multiply => a * b,
                BinaryOperator.Divide => a / b,
                BinaryOperator.Power => a.Pow(b),
                _ => throw new ArgumentOutOfRangeException(nameof(binary)),
            };
            string op = SyntaxPrinter.Symbol(binary.Operator).ToString();
            return Checked(Add(ProgramNodeKind.Operation, op, binary, result, [left, right]));
        }

        private ProgramNode EvaluateCall(FunctionCall call, ProgramNode[] arguments)
        {
            Tensor x = arguments[0].Tensor;
            Tensor result = call.Function switch
            {
                BuiltinFunction.Ln => x.Log(),
                BuiltinFunction.Exp => x.Exp(),
                BuiltinFunction.Sqrt => x.Sqrt(),
                BuiltinFunction.Abs => x.Abs(),
                BuiltinFunction.Tanh => x.Tanh(),
                BuiltinFunction.Sigmoid => x.Sigmoid(),
                BuiltinFunction.Relu => x.Relu(),
                BuiltinFunction.Max => x.Maximum(arguments[1].Tensor),
                BuiltinFunction.Min => x.Minimum(arguments[1].Tensor),
                BuiltinFunction.Pow => x.Pow(arguments[1].Tensor),
                _ => throw new ArgumentOutOfRangeException(nameof(call)),
            };
            // "log" is written as the operator it is, so the explanation and the picture use one spelling.
            string op = call.Function == BuiltinFunction.Ln ? "ln" : call.Name;
            return Checked(Add(ProgramNodeKind.Operation, op, call, result, arguments));
        }

        private ProgramNode Add(ProgramNodeKind kind, string op, ExpressionNode syntax, Tensor tensor, IReadOnlyList<ProgramNode> inputs)
        {
            string text = kind == ProgramNodeKind.Input ? ((NameReference)syntax).Name : ProgramPlan.ShortTextOf(_text, syntax.Span);
            if (perturbed is { } p && p.Node == Nodes.Count)
                tensor = tensor + Tensor.Scalar(p.Delta);
            var node = new ProgramNode(Nodes.Count, kind, op, text, syntax.Span, tensor, inputs);
            // The value of an assignment is named before it is checked, so an error reads "in C = ln(B)".
            if (_current is not null && ReferenceEquals(_current.Value, syntax))
            {
                node.Bind(_current.Name, NextVersion(_current.Name));
                _boundByCurrent = node;
            }
            Nodes.Add(node);
            return node;
        }

        // The engine computes NaN or ∞ without complaint; a teaching tool must say which node left the domain and why.
        private static ProgramNode Checked(ProgramNode node)
        {
            IReadOnlyList<ProgramNode> args = node.Inputs;
            double x = args[0].Value;
            switch (node.Operator)
            {
                case "/" when args[1].Value == 0:
                    throw new ProgramDomainException(node, $"division by zero: the divisor {args[1].Label} is 0", 0);
                case "ln" when x <= 0:
                    throw new ProgramDomainException(node, $"ln needs a positive argument, got {args[0].Label} = {Show(x)}", x);
                case "sqrt" when x < 0:
                    throw new ProgramDomainException(node, $"sqrt needs a non-negative argument, got {args[0].Label} = {Show(x)}", x);
                case "^" or "pow" when x == 0 && args[1].Value < 0:
                    throw new ProgramDomainException(node,
                        $"division by zero: the base {args[0].Label} is 0 and the exponent {args[1].Label} = {Show(args[1].Value)} is negative", x);
                case "^" or "pow" when x < 0 && !double.IsInteger(args[1].Value):
                    throw new ProgramDomainException(node,
                        $"a negative base needs a whole exponent, got {args[0].Label} = {Show(x)} and {args[1].Label} = {Show(args[1].Value)}", x);
            }
            if (!double.IsFinite(node.Value))
                throw new ProgramDomainException(node, $"the result is not finite ({Show(node.Value)})", node.Value);
            return node;
        }

        private static string Show(double value) => value.ToString("G10", CultureInfo.InvariantCulture).Replace('E', 'e');
    }
}
