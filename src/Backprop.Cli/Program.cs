return Backprop.Cli.CommandLine.Run(args, Console.Out, Console.Error);
