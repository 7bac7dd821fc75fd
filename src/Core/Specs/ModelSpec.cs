namespace DistillService.Core.Specs;

/// <summary>Architecture of a U-Net: encoder level i has BaseChannels·2^i channels, Depth levels before the bottleneck.</summary>
public sealed record ModelSpec(int BaseChannels = 32, int Depth = 4);
