using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace DistillService.Core.Persistence.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class DatasetInspection : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "ImagesToInspect",
                table: "datasets",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<int>(
                name: "InspectedImages",
                table: "datasets",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<string>(
                name: "ProblemsJson",
                table: "datasets",
                type: "text",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Status",
                table: "datasets",
                type: "character varying(16)",
                maxLength: 16,
                nullable: false,
                defaultValue: "ready");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "ImagesToInspect",
                table: "datasets");

            migrationBuilder.DropColumn(
                name: "InspectedImages",
                table: "datasets");

            migrationBuilder.DropColumn(
                name: "ProblemsJson",
                table: "datasets");

            migrationBuilder.DropColumn(
                name: "Status",
                table: "datasets");
        }
    }
}
