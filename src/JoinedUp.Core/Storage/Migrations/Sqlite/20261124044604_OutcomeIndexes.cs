using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace JoinedUp.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class OutcomeIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "ix_observation_code_patient_id_effective_at_status_value_secondary_value_unit",
                table: "observation",
                columns: new[] { "code", "patient_id", "effective_at", "status", "value", "secondary_value", "unit" });

            migrationBuilder.CreateIndex(
                name: "ix_encounter_patient_id_class_start_at",
                table: "encounter",
                columns: new[] { "patient_id", "class", "start_at" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_observation_code_patient_id_effective_at_status_value_secondary_value_unit",
                table: "observation");

            migrationBuilder.DropIndex(
                name: "ix_encounter_patient_id_class_start_at",
                table: "encounter");
        }
    }
}
