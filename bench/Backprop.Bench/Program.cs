using BenchmarkDotNet.Running;

// BenchmarkDotNet suites for the kernels and the engine: `dotnet run -c Release --project bench/Backprop.Bench -- --filter '*'`.
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
