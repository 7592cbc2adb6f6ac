# The permission matrix's world (one object of each kind, a user per role) for the other admin
# tests here, e.g. test_admin_chinese.py.
from tests.academy.test_permission_matrix import world  # noqa: F401
