using DistillService.Experiments;

// Experiments that check the product's promises on real training runs; each prints JSON lines.
// Usage: dotnet run -c Release --project bench/DistillService.Experiments -- kd-benefit [--option value ...]
switch (args.FirstOrDefault())
{
    case "kd-benefit":
        return KdBenefitExperiment.Run(KdBenefitSettings.Parse(args[1..]));
    default:
        Console.Error.WriteLine("usage: kd-benefit [options]");
        Console.Error.WriteLine(KdBenefitSettings.Help);
        return 2;
}
