using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace JoinedUp.Storage.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class EncounterTypeIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "ix_encounter_type_code_start_at_patient_id_status",
                table: "encounter",
                columns: new[] { "type_code", "start_at", "patient_id", "status" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_encounter_type_code_start_at_patient_id_status",
                table: "encounter");
        }
    }
}
