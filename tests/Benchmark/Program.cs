using BedrockCost.Benchmark;

return await Cli.RunAsync(args);
