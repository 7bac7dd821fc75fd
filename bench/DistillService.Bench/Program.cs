using DistillService.Bench;

// Benchmarks print JSON lines of figures; they are programs, not tests.
var command = args.FirstOrDefault() ?? "help";
string Option(string name, string fallback)
{
    var index = Array.IndexOf(args, $"--{name}");
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : fallback;
}

return command switch
{
    "poll-latency" => await PollLatency.RunAsync(
        Option("url", "http://127.0.0.1:5080"), int.Parse(Option("rate", "100")), int.Parse(Option("seconds", "20")),
        Environment.GetEnvironmentVariable("DISTILL_API_KEY")),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: DistillService.Bench poll-latency [--url http://127.0.0.1:5080] [--rate 100] [--seconds 20]");
    return 2;
}
