"""The migration to chooser links (issue 10) rewrites revisions so drafts keep their choices."""

import importlib

migration = importlib.import_module("courses.migrations.0003_course_topic_and_lecturer_links")


def test_a_revisions_lists_become_links_in_their_order_and_back():
    content = {"title": "网格化治理", "topics": [5, 3], "lecturers": [9, 2, 9]}

    links = migration.revision_links(dict(content), 42)

    assert "topics" not in links and "lecturers" not in links
    assert links["topic_links"] == [
        {"pk": None, "sort_order": 0, "page": 42, "topic": 5},
        {"pk": None, "sort_order": 1, "page": 42, "topic": 3},
    ]
    assert [link["lecturer"] for link in links["lecturer_links"]] == [9, 2]
    assert migration.revision_lists(links) == {
        "title": "网格化治理",
        "topics": [5, 3],
        "lecturers": [9, 2],
    }


def test_a_revision_already_with_links_is_left_alone():
    content = {"topic_links": [], "lecturer_links": []}

    assert migration.revision_links(dict(content), 1) == content
