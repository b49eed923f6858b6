using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace JoinedUp.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class CarePlans : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "care_plan",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    patient_id = table.Column<long>(type: "INTEGER", nullable: false),
                    episode_id = table.Column<long>(type: "INTEGER", nullable: false),
                    status = table.Column<int>(type: "INTEGER", nullable: false),
                    title = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    agreed_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    agreed_by = table.Column<int>(type: "INTEGER", nullable: true),
                    agreed_by_name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    agreement_note = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    review_due = table.Column<DateOnly>(type: "TEXT", nullable: true),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    version_id = table.Column<int>(type: "INTEGER", nullable: false),
                    last_updated = table.Column<DateTime>(type: "TEXT", nullable: false),
                    last_updated_by = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_care_plan", x => x.id);
                    table.ForeignKey(
                        name: "fk_care_plan_episode_episode_id",
                        column: x => x.episode_id,
                        principalTable: "episode",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "fk_care_plan_patient_patient_id",
                        column: x => x.patient_id,
                        principalTable: "patient",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "care_plan_change",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    care_plan_id = table.Column<long>(type: "INTEGER", nullable: false),
                    item_kind = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    item_id = table.Column<long>(type: "INTEGER", nullable: false),
                    item_version = table.Column<int>(type: "INTEGER", nullable: false),
                    at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    by_name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    by_user_id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    reason = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    before_json = table.Column<string>(type: "TEXT", nullable: true),
                    after_json = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_care_plan_change", x => x.id);
                    table.ForeignKey(
                        name: "fk_care_plan_change_care_plan_care_plan_id",
                        column: x => x.care_plan_id,
                        principalTable: "care_plan",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "goal",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    care_plan_id = table.Column<long>(type: "INTEGER", nullable: false),
                    description = table.Column<string>(type: "TEXT", maxLength: 500, nullable: false),
                    measure = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    target_date = table.Column<DateOnly>(type: "TEXT", nullable: true),
                    status = table.Column<int>(type: "INTEGER", nullable: false),
                    service_id = table.Column<int>(type: "INTEGER", nullable: true),
                    version_id = table.Column<int>(type: "INTEGER", nullable: false),
                    last_updated = table.Column<DateTime>(type: "TEXT", nullable: false),
                    last_updated_by = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_goal", x => x.id);
                    table.ForeignKey(
                        name: "fk_goal_care_plan_care_plan_id",
                        column: x => x.care_plan_id,
                        principalTable: "care_plan",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "fk_goal_service_service_id",
                        column: x => x.service_id,
                        principalTable: "service",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "care_plan_activity",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    care_plan_id = table.Column<long>(type: "INTEGER", nullable: false),
                    goal_id = table.Column<long>(type: "INTEGER", nullable: true),
                    description = table.Column<string>(type: "TEXT", maxLength: 500, nullable: false),
                    owner_kind = table.Column<int>(type: "INTEGER", nullable: false),
                    owner_team_id = table.Column<int>(type: "INTEGER", nullable: true),
                    owner_staff_member_id = table.Column<int>(type: "INTEGER", nullable: true),
                    due = table.Column<DateOnly>(type: "TEXT", nullable: true),
                    status = table.Column<int>(type: "INTEGER", nullable: false),
                    version_id = table.Column<int>(type: "INTEGER", nullable: false),
                    last_updated = table.Column<DateTime>(type: "TEXT", nullable: false),
                    last_updated_by = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_care_plan_activity", x => x.id);
                    table.ForeignKey(
                        name: "fk_care_plan_activity_care_plan_care_plan_id",
                        column: x => x.care_plan_id,
                        principalTable: "care_plan",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "fk_care_plan_activity_goal_goal_id",
                        column: x => x.goal_id,
                        principalTable: "goal",
                        principalColumn: "id",
                        onDelete: ReferentialAction.SetNull);
                    table.ForeignKey(
                        name: "fk_care_plan_activity_staff_member_owner_staff_member_id",
                        column: x => x.owner_staff_member_id,
                        principalTable: "staff_member",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_care_plan_activity_team_owner_team_id",
                        column: x => x.owner_team_id,
                        principalTable: "team",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "ix_care_plan_episode_id",
                table: "care_plan",
                column: "episode_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_care_plan_patient_id_status",
                table: "care_plan",
                columns: new[] { "patient_id", "status" });

            migrationBuilder.CreateIndex(
                name: "ix_care_plan_review_due",
                table: "care_plan",
                column: "review_due");

            migrationBuilder.CreateIndex(
                name: "ix_care_plan_activity_care_plan_id",
                table: "care_plan_activity",
                column: "care_plan_id");

            migrationBuilder.CreateIndex(
                name: "ix_care_plan_activity_goal_id",
                table: "care_plan_activity",
                column: "goal_id");

            migrationBuilder.CreateIndex(
                name: "ix_care_plan_activity_owner_staff_member_id",
                table: "care_plan_activity",
                column: "owner_staff_member_id");

            migrationBuilder.CreateIndex(
                name: "ix_care_plan_activity_owner_team_id_status_due",
                table: "care_plan_activity",
                columns: new[] { "owner_team_id", "status", "due" });

            migrationBuilder.CreateIndex(
                name: "ix_care_plan_change_care_plan_id_id",
                table: "care_plan_change",
                columns: new[] { "care_plan_id", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_goal_care_plan_id",
                table: "goal",
                column: "care_plan_id");

            migrationBuilder.CreateIndex(
                name: "ix_goal_service_id",
                table: "goal",
                column: "service_id");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "care_plan_activity");

            migrationBuilder.DropTable(
                name: "care_plan_change");

            migrationBuilder.DropTable(
                name: "goal");

            migrationBuilder.DropTable(
                name: "care_plan");
        }
    }
}
