namespace BedrockCost.Benchmark;
internal static class Runner { public static Task<int> RunAsync(string[] args) => Task.FromResult(2); }
