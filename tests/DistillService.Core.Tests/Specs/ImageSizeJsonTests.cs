using System.Text.Json;
using DistillService.Core.Specs;

namespace DistillService.Core.Tests.Specs;

public sealed class ImageSizeJsonTests
{
    // The API's options: camelCase, and numbers in strings allowed, which the converter must still refuse for a size.
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    [Fact]
    public void ANumberIsASquare()
    {
        var size = JsonSerializer.Deserialize<ImageSize>("96", Web);

        Assert.Equal(new ImageSize(96, 96), size);
    }

    [Theory]
    [InlineData("""{ "width": 480, "height": 352 }""")]
    [InlineData("""{ "height": 352, "width": 480 }""")]
    [InlineData("""{ "Width": 480, "HEIGHT": 352 }""")]
    public void AnObjectGivesWidthAndHeightInAnyOrderAndCase(string json)
    {
        var size = JsonSerializer.Deserialize<ImageSize>(json, Web);

        Assert.Equal(new ImageSize(480, 352), size);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-3")]
    [InlineData("12.5")]
    [InlineData("\"64\"")]
    [InlineData("[64, 64]")]
    [InlineData("true")]
    [InlineData("""{ "width": 48 }""")]
    [InlineData("""{ "width": 48, "height": 0 }""")]
    [InlineData("""{ "width": -3, "height": 32 }""")]
    [InlineData("""{ "width": 48, "height": 32, "depth": 3 }""")]
    [InlineData("""{ "width": "48", "height": 32 }""")]
    [InlineData("{}")]
    public void AnythingElseIsAJsonException(string json) =>
        Assert.ThrowsAny<JsonException>(() => JsonSerializer.Deserialize<ImageSize>(json, Web));

    [Fact]
    public void AnUnknownFieldIsNamedInTheError()
    {
        var error = Assert.ThrowsAny<JsonException>(() =>
            JsonSerializer.Deserialize<ImageSize>("""{ "width": 48, "height": 32, "depth": 3 }""", Web));

        Assert.Contains("depth", error.Message);
    }

    [Fact]
    public void ASquareIsWrittenAsANumberAndAnyOtherSizeAsAnObjectInCamelCase()
    {
        Assert.Equal("64", JsonSerializer.Serialize(new ImageSize(64, 64), Web));
        Assert.Equal("""{"width":48,"height":32}""", JsonSerializer.Serialize(new ImageSize(48, 32), Web));
    }

    [Fact]
    public void ATrainingSpecWithoutAnImageSizeGets64By64()
    {
        var spec = JsonSerializer.Deserialize<TrainingSpec>("""{ "epochs": 3 }""", Web)!;

        Assert.Equal(3, spec.Epochs);
        Assert.Equal(new ImageSize(64, 64), spec.ImageSize);
        Assert.Equal(ImageSize.Default, new TrainingSpec().ImageSize);
    }

    [Fact]
    public void ATrainingSpecWithANonSquareSizeSurvivesARoundTrip()
    {
        var spec = new TrainingSpec(Epochs: 2, ImageSize: new ImageSize(480, 352), ClassWeighting: ClassWeightings.MedianFrequency,
            ScoreAtNativeResolution: false);

        var json = JsonSerializer.Serialize(spec, Web);
        var back = JsonSerializer.Deserialize<TrainingSpec>(json, Web)!;

        Assert.Contains("\"imageSize\":{\"width\":480,\"height\":352}", json);
        Assert.Equal(spec, back);
        Assert.Equal(new ImageSize(480, 352), back.ImageSize);
    }
}
