using DistillService.Bench;
using DistillService.Core.Torch;

// Before anything can load libtorch (OpenMpSpin).
OpenMpSpin.TrySet();

// Benchmarks print JSON lines of figures; they are programs, not tests.
// The step benchmark is the default: `-- --size 128 …` with no command runs it.
var command = args.Length == 0 || args[0].StartsWith("--", StringComparison.Ordinal) ? "steps" : args[0];
var options = command == "steps" ? args : args[1..];
string Option(string name, string fallback)
{
    var index = Array.IndexOf(options, $"--{name}");
    return index >= 0 && index + 1 < options.Length ? options[index + 1] : fallback;
}

return command switch
{
    "steps" => Steps(BenchSettings.Parse(options)),
    "variants" => new Variants(BenchSettings.Parse(options)).Run(),
    "poll-latency" => await PollLatency.RunAsync(
        Option("url", "http://127.0.0.1:5080"), int.Parse(Option("rate", "100")), int.Parse(Option("seconds", "20")),
        Environment.GetEnvironmentVariable("DISTILL_API_KEY")),
    "street-scenes" => StreetScenes.Run(Option("out", "runs/street-scenes"), int.Parse(Option("train", "2800")),
        int.Parse(Option("val", "200")), int.Parse(Option("width", "2048")), int.Parse(Option("height", "1024")), int.Parse(Option("seed", "1"))),
    "large-set-decode" => new LargeDataset(Option("data", "runs/street-scenes"),
        new DistillService.Core.Specs.ImageSize(int.Parse(Option("width", "512")), int.Parse(Option("height", "256"))),
        int.Parse(Option("batch", "8")), 0, 1, 0, int.Parse(Option("memo-mb", "512"))).Decode(int.Parse(Option("images", "800"))),
    "large-set" => new LargeDataset(Option("data", "runs/street-scenes"),
        new DistillService.Core.Specs.ImageSize(int.Parse(Option("width", "512")), int.Parse(Option("height", "256"))),
        int.Parse(Option("batch", "8")), int.Parse(Option("steps", "30")), int.Parse(Option("threads", "2")),
        int.Parse(Option("cache-images", "64")), int.Parse(Option("memo-mb", "512"))).Run(),
    _ => Usage(),
};

static int Steps(BenchSettings settings) =>
    settings.RssSteps > 0 ? new RssSteps(settings).Run() : new StepBenchmark(settings).Run();

static int Usage()
{
    Console.Error.WriteLine("""
        usage: DistillService.Bench [steps] [--size 128] [--batch 8] [--threads 2] [--iters 10] [--warmup 2] [--rounds 2] [--device cpu]
                                    [--classes 12] [--teacher-channels 32] [--student-channels 8] [--depth 4]
                                    [--only teacher_train,kd_offline,…] [--rss-steps 1000]
                                    [--cache-top-k 2] [--cache-precision q8|fp16|fp32] [--cache-scale 2] [--cache-exact-argmax true]
               DistillService.Bench variants [same options]   (channels-last and inference_mode, with parity)
               DistillService.Bench poll-latency [--url http://127.0.0.1:5080] [--rate 100] [--seconds 20]
               DistillService.Bench street-scenes [--out runs/street-scenes] [--train 2800] [--val 200] [--width 2048] [--height 1024]
               DistillService.Bench large-set [--data runs/street-scenes] [--width 512] [--height 256] [--batch 8] [--steps 30] [--threads 2] [--cache-images 64] [--memo-mb 512]
               DistillService.Bench large-set-decode [--data runs/street-scenes] [--images 800] [--memo-mb 512] (data side only)
        """);
    return 2;
}
