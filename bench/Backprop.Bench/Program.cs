using Backprop.Bench;
using BenchmarkDotNet.Running;

// BenchmarkDotNet suites for the kernels and the engine: `dotnet run -c Release --project bench/Backprop.Bench -- --filter '*'`.
// `-- gpt-gemm [rounds]` prints quick in-process GFLOPS of the gpt_char step's GEMM products instead.
// `-- gemm-ab [rounds [schedules [shapes [threads]]]]` compares the GEMM schedules in one process (GemmScheduleAb).
if (args.Length > 0 && args[0] == "gemm-ab")
    GemmScheduleAb.Run(args);
else if (args.Length > 0 && args[0] == "gpt-gemm")
    GptGemmQuick.Run(args);
else
    BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
