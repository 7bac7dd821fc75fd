using DistillService.Experiments;

// Experiments that check the product's promises on real training runs; each prints JSON lines.
// Usage: dotnet run -c Release --project bench/DistillService.Experiments -- kd-benefit|method-table [--option value ...]
switch (args.FirstOrDefault())
{
    case "kd-benefit":
        return KdBenefitExperiment.Run(KdBenefitSettings.Parse(args[1..]));
    case "method-table":
        return MethodTableExperiment.Run(MethodTableSettings.Parse(args[1..]));
    case "method-table-report":
        return MethodTableReport.Run(args[1..]);
    default:
        Console.Error.WriteLine("usage: kd-benefit [options] | method-table [options] | method-table-report <json lines>");
        Console.Error.WriteLine(KdBenefitSettings.Help);
        Console.Error.WriteLine(MethodTableSettings.Help);
        return 2;
}
