using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace JoinedUp.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class CareWorklistIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_care_task_to_team_id_status_due_at",
                table: "care_task");

            migrationBuilder.DropIndex(
                name: "ix_care_plan_activity_care_plan_id",
                table: "care_plan_activity");

            migrationBuilder.DropIndex(
                name: "ix_care_plan_activity_owner_team_id_status_due",
                table: "care_plan_activity");

            migrationBuilder.DropIndex(
                name: "ix_care_plan_patient_id_status",
                table: "care_plan");

            migrationBuilder.DropIndex(
                name: "ix_care_plan_review_due",
                table: "care_plan");

            migrationBuilder.CreateIndex(
                name: "ix_care_task_patient_id_kind_status_due_at_accepted_at_completed_at",
                table: "care_task",
                columns: new[] { "patient_id", "kind", "status", "due_at", "accepted_at", "completed_at" });

            migrationBuilder.CreateIndex(
                name: "ix_care_task_patient_id_to_team_id_status_kind_due_at",
                table: "care_task",
                columns: new[] { "patient_id", "to_team_id", "status", "kind", "due_at" });

            migrationBuilder.CreateIndex(
                name: "ix_care_task_to_team_id_status_due_at_kind_escalation_level_patient_id",
                table: "care_task",
                columns: new[] { "to_team_id", "status", "due_at", "kind", "escalation_level", "patient_id" });

            migrationBuilder.CreateIndex(
                name: "ix_care_relationship_staff_member_id_kind_ended_at_patient_id_started_at",
                table: "care_relationship",
                columns: new[] { "staff_member_id", "kind", "ended_at", "patient_id", "started_at" });

            migrationBuilder.CreateIndex(
                name: "ix_care_relationship_team_id_kind_ended_at_patient_id",
                table: "care_relationship",
                columns: new[] { "team_id", "kind", "ended_at", "patient_id" });

            migrationBuilder.CreateIndex(
                name: "ix_care_plan_change_care_plan_id_at",
                table: "care_plan_change",
                columns: new[] { "care_plan_id", "at" });

            migrationBuilder.CreateIndex(
                name: "ix_care_plan_activity_care_plan_id_owner_team_id_status_due",
                table: "care_plan_activity",
                columns: new[] { "care_plan_id", "owner_team_id", "status", "due" });

            migrationBuilder.CreateIndex(
                name: "ix_care_plan_activity_owner_team_id_status_due_care_plan_id",
                table: "care_plan_activity",
                columns: new[] { "owner_team_id", "status", "due", "care_plan_id" });

            migrationBuilder.CreateIndex(
                name: "ix_care_plan_patient_id_status_review_due",
                table: "care_plan",
                columns: new[] { "patient_id", "status", "review_due" });

            migrationBuilder.CreateIndex(
                name: "ix_care_plan_review_due_status_patient_id",
                table: "care_plan",
                columns: new[] { "review_due", "status", "patient_id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_care_task_patient_id_kind_status_due_at_accepted_at_completed_at",
                table: "care_task");

            migrationBuilder.DropIndex(
                name: "ix_care_task_patient_id_to_team_id_status_kind_due_at",
                table: "care_task");

            migrationBuilder.DropIndex(
                name: "ix_care_task_to_team_id_status_due_at_kind_escalation_level_patient_id",
                table: "care_task");

            migrationBuilder.DropIndex(
                name: "ix_care_relationship_staff_member_id_kind_ended_at_patient_id_started_at",
                table: "care_relationship");

            migrationBuilder.DropIndex(
                name: "ix_care_relationship_team_id_kind_ended_at_patient_id",
                table: "care_relationship");

            migrationBuilder.DropIndex(
                name: "ix_care_plan_change_care_plan_id_at",
                table: "care_plan_change");

            migrationBuilder.DropIndex(
                name: "ix_care_plan_activity_care_plan_id_owner_team_id_status_due",
                table: "care_plan_activity");

            migrationBuilder.DropIndex(
                name: "ix_care_plan_activity_owner_team_id_status_due_care_plan_id",
                table: "care_plan_activity");

            migrationBuilder.DropIndex(
                name: "ix_care_plan_patient_id_status_review_due",
                table: "care_plan");

            migrationBuilder.DropIndex(
                name: "ix_care_plan_review_due_status_patient_id",
                table: "care_plan");

            migrationBuilder.CreateIndex(
                name: "ix_care_task_to_team_id_status_due_at",
                table: "care_task",
                columns: new[] { "to_team_id", "status", "due_at" });

            migrationBuilder.CreateIndex(
                name: "ix_care_plan_activity_care_plan_id",
                table: "care_plan_activity",
                column: "care_plan_id");

            migrationBuilder.CreateIndex(
                name: "ix_care_plan_activity_owner_team_id_status_due",
                table: "care_plan_activity",
                columns: new[] { "owner_team_id", "status", "due" });

            migrationBuilder.CreateIndex(
                name: "ix_care_plan_patient_id_status",
                table: "care_plan",
                columns: new[] { "patient_id", "status" });

            migrationBuilder.CreateIndex(
                name: "ix_care_plan_review_due",
                table: "care_plan",
                column: "review_due");
        }
    }
}
